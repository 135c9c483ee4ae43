from tarifa.cli import main

main()
