from epiaid.cli import main

main()
