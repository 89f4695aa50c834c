from rmjob.cli import main

main()
