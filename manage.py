#!/usr/bin/env python
from jiceng.cli import main

if __name__ == "__main__":
    main()
