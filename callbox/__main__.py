from callbox.cli.main import main

main()
