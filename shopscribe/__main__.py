# `python -m shopscribe`; the guard matters: vLLM spawns engine processes that re-import __main__.
from shopscribe.cli import main

if __name__ == "__main__":
    main()
