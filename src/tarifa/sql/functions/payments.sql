-- Disputes (docs/payments.md "Disputes"): evidence notes are appended, never changed.
CREATE OR REPLACE TRIGGER dispute_notes_frozen
BEFORE UPDATE OR DELETE ON dispute_notes
FOR EACH ROW EXECUTE FUNCTION invoices_documents_frozen();
