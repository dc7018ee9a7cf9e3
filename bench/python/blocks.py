"""Turn a Markdown page's ```python and ```sh blocks, in order, into one
Python program: python blocks as they are, sh blocks run through bash
(set -euo pipefail) where they stand. Usage: blocks.py PAGE.md > page.py"""
import sys

out = ["import subprocess as _subprocess", "",
       "def _sh(script):",
       "    print('$ ' + script.strip().replace('\\n', '\\n$ '), flush=True)",
       "    _subprocess.run(['bash', '-euo', 'pipefail', '-c', script], check=True)", ""]
lang, block = None, []
for line in open(sys.argv[1]):
    if lang is None:
        if line.startswith("```python"):
            lang, block = "python", []
        elif line.startswith("```sh"):
            lang, block = "sh", []
        continue
    if line.startswith("```"):
        text = "".join(block)
        out.append(text if lang == "python" else "_sh(%r)" % text)
        lang = None
        continue
    block.append(line)
if lang is not None:
    raise SystemExit("%s: a block is not closed" % sys.argv[1])
print("\n".join(out))
