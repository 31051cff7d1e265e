from bot.cli import main

# Guarded: a scoring process (``multiprocessing`` spawn) imports this module again.
if __name__ == "__main__":
    main()
