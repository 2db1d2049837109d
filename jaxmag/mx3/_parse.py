"""Parse mumax3 scripts with lark (the grammar is ``mx3.lark`` beside this file).

Go ends a statement at a newline when the line's last token is an identifier, a literal,
``)``, ``]``, ``}``, ``++`` or ``--``; :class:`_Semicolons`, a lark post-lexer, applies
that rule to the grammar's NEWLINE tokens, so the grammar itself only sees ``;``.
"""

import functools
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

_ENDS_STATEMENT = {"NAME", "NUMBER", "STRING", "RAWSTRING", "RPAR", "RSQB", "RBRACE", "INCDEC"}


class Mx3Error(Exception):
    """An error in a mumax3 script, with its file and line: a syntax error, an unknown or
    unsupported identifier, a wrong argument, or a failed expectation."""

    def __init__(self, message: str, *, file=None, line: int | None = None):
        self.message = message
        self.file = None if file is None else str(file)
        self.line = line
        where = ""
        if self.file is not None:
            where = f"{self.file}:{line}: " if line is not None else f"{self.file}: "
        elif line is not None:
            where = f"line {line}: "
        super().__init__(where + message)


class _Semicolons:
    """Go's automatic semicolons: NEWLINE becomes ``;`` after a token that may end a
    statement, and is dropped elsewhere (inside a call's argument list, after an
    operator or an opening brace)."""

    always_accept = ("NEWLINE",)

    def process(self, stream):
        last = None
        for tok in stream:
            if tok.type == "NEWLINE":
                if last in _ENDS_STATEMENT:
                    yield Token.new_borrow_pos("_SEMI", ";", tok)
                    last = "_SEMI"
                continue
            last = tok.type
            yield tok
        if last in _ENDS_STATEMENT:
            yield Token("_SEMI", ";")


@functools.cache
def _parser() -> Lark:
    grammar = (Path(__file__).parent / "mx3.lark").read_text()
    return Lark(grammar, parser="lalr", postlex=_Semicolons(), propagate_positions=True,
                maybe_placeholders=True)  # fmt: skip


def parse(source: str, file=None) -> Tree:
    """The syntax tree of a script, or :class:`Mx3Error` with the line of the first
    syntax error."""
    text = source if source.endswith("\n") else source + "\n"
    try:
        return _parser().parse(text)
    except UnexpectedCharacters as e:
        raise Mx3Error(
            f"syntax error: unexpected character {text[e.pos_in_stream]!r} (column {e.column})",
            file=file, line=e.line,
        ) from None  # fmt: skip
    except UnexpectedToken as e:
        tok = e.token
        what = "end of file" if tok.type == "$END" else repr(str(tok))
        if tok.type == "_SEMI" and str(tok) != ";":
            what = "end of line"
        line = tok.line if getattr(tok, "line", None) is not None else None
        raise Mx3Error(f"syntax error: unexpected {what}", file=file, line=line) from None
    except UnexpectedInput as e:
        raise Mx3Error(f"syntax error: {e}", file=file, line=getattr(e, "line", None)) from None
