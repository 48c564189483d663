"""The argparse parser every rnnviz command uses: exact flags only, typo help, defaults in --help,
and one-line errors that name the flag (`--hidden-size`, not the engine's `hidden_size`)."""

from __future__ import annotations

import argparse
import difflib
import re
import sys

from rnnviz.cli.output import OutputError, say, silence_stdout, write_stdout


class DefaultsFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the help text already says it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or action.default is argparse.SUPPRESS or "default" in text:
            return text
        if action.nargs == 0:  # store_true and friends: on only when given
            return f"{text} (default: off)"
        if action.default is None:  # e.g. --text: the help says what leaving it out means
            return text
        return f"{text} (default: %(default)s)"


class CliParser(argparse.ArgumentParser):
    """No silent prefix abbreviations (`--hidden` is not `--hidden-size`); an unknown flag or choice
    is answered with the closest real one; errors are one line, exit status 2."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", DefaultsFormatter)
        super().__init__(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            # A subcommand's parser sees its own extras first: answer here, where its flags are known.
            self.error(unrecognized(extras, self.long_flags()))
        return namespace, extras

    def long_flags(self) -> list[str]:
        return [flag for action in self._actions for flag in action.option_strings if "--" in flag]

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {with_suggestion(message)}\n")

    def _print_message(self, message: str, file=None) -> None:
        """argparse's one writer (help, usage, --version, errors), made to report a failed write:
        help to a full disk exits 1 with a line on stderr, an unwritable stderr keeps the status."""
        if not message:
            return
        if file is None or file is sys.stderr:
            say(message.rstrip("\n"))
            return
        try:
            write_stdout(message)
        except BrokenPipeError:  # `rnnviz --help | head -1`: the reader left
            silence_stdout()
        except OutputError as exc:
            say(f"{self.prog}: error: {exc}")
            raise SystemExit(1) from None


def unrecognized(extras: list[str], flags: list[str]) -> str:
    """'unrecognized argument --hiden-size: did you mean --hidden-size?' (difflib, then prefixes)."""
    if "--" in extras:  # argparse's end of options: what follows would be positional
        rest = " ".join(extras[extras.index("--") + 1 :])
        return f"unrecognized arguments after '--': {rest} (no command takes any: drop the '--')"
    for extra in extras:
        if not extra.startswith("-"):
            continue
        name = extra.split("=", 1)[0]
        starting = [flag for flag in flags if flag.startswith(name)]
        close = starting[:1] or difflib.get_close_matches(name, flags, n=1, cutoff=0.6)
        hint = f": did you mean {close[0]}?" if close else " (--help lists the options)"
        return f"unrecognized argument {name}{hint}"
    words = " ".join(extras)
    return f"unrecognized arguments: {words} (quote a value that contains spaces)"


_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


def with_suggestion(message: str) -> str:
    """argparse's 'invalid choice' message, plus the closest allowed value when one is close."""
    found = _INVALID_CHOICE.search(message)
    if not found:
        return message
    allowed = re.findall(r"'([^']*)'", found.group(2))
    close = difflib.get_close_matches(found.group(1), allowed, n=1, cutoff=0.6)
    return f"{message}; did you mean {close[0]!r}?" if close else message


def flag_names(message: str, flags: dict[str, str]) -> str:
    """Put the CLI's flags where an RnnvizError names the engine's fields: `hidden_size must be`
    -> `--hidden-size must be`. Identifiers (with `_`, or renamed like num_layers -> --layers) are
    replaced anywhere; a plain word such as `cell` or `lag` only where it names the field (at the
    start, after 'Unknown', or before '='), so ordinary prose is left alone."""
    for field in sorted(flags, key=len, reverse=True):
        flag = flags[field]
        if "_" in field or flag != f"--{field}":
            message = re.sub(rf"(?<![\w.-]){field}\b", flag, message)
        else:
            message = re.sub(rf"^(Unknown )?{field}\b", rf"\g<1>{flag}", message)
            message = re.sub(rf"(?<![\w.-]){field}=", f"{flag}=", message)
            # in a list right after a flag: "lower --batch-size, --hidden-size or lag"
            message = re.sub(rf"(--[\w-]+(?:, | or )){field}\b", rf"\g<1>{flag}", message)
    return message


def fail(prog: str, exc: BaseException, flags: dict[str, str]) -> int:
    """Report bad input as one line on stderr and return exit status 2."""
    text = flag_names(" ".join(str(exc).split()), flags)
    say(f"{prog}: error: {text}")
    return 2
