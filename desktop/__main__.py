from desktop.cli import main

main()
