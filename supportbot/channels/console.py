"""The console REPL: readline editing and history, streamed answers, sources, and slash commands."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import TextIO

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.prompt import Source
from supportbot.bot.reply import AnswerKind, Reply
from supportbot.errors import MessageError
from supportbot.observability import log_context
from supportbot.text.markup import as_aligned_tables, as_plain_links, without_bold_marks

HELP = "Ask a question. Commands: /sources (sources of the last answer), /reset (new conversation), /quit."


def format_sources(sources: list[Source]) -> str:
    lines = ["Sources:"]
    for source in sources:
        where = source.url or source.path
        lines.append(f"  [{source.number}] {source.title} - {where} (score {source.score:.2f})")
    return "\n".join(lines)


def sources_note(sources: list[Source] | None) -> str:
    """What /sources says: the last answer's sources, or that it had none (a decline, small talk, a stopped answer),
    which earlier answers' sources would misattribute to it, or that nothing was answered yet."""
    if sources is None:
        return "No sources yet."
    return format_sources(sources) if sources else "The last answer had no sources."


def shown(piece: str) -> str:
    """A piece of an answer as the terminal shows it: without Markdown's bold marks, which it cannot render, a link as
    its text and address (a sentence, and so its links, is never cut between pieces), and a table in columns (an
    extractive answer comes in one piece; a table's header, delimiter and first rows always do)."""
    return as_aligned_tables(as_plain_links(without_bold_marks(piece)))


def new_conversation_id() -> str:
    return uuid.uuid4().hex


class ConsoleChannel:
    """An interactive chat in the terminal; Ctrl-C stops an answer, Ctrl-D or /quit leaves."""

    name = "console"

    def __init__(
        self,
        manager: DialogueManager,
        conversation_id: str | None = None,
        history_file: Path | None = None,
        output: TextIO = sys.stdout,
    ) -> None:
        self.manager = manager
        self.conversation_id = conversation_id or new_conversation_id()
        self.history_file = history_file
        self.output = output
        self.last_sources: list[Source] | None = None  # None until the conversation has an answer

    def _say(self, text: str = "", end: str = "\n") -> None:
        self.output.write(text + end)
        self.output.flush()

    def _setup_readline(self) -> None:
        try:
            import readline
        except ImportError:  # not on every platform; input() still works without it
            return
        if self.history_file is None:
            return
        self.history_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            readline.read_history_file(self.history_file)
        except (FileNotFoundError, OSError):
            pass
        readline.set_history_length(1000)

    def _save_history(self) -> None:
        """Write the readline history, each line masked as the store masks the customer's messages
        (privacy.redact_stored): the file keeps no personal data the store would not."""
        try:
            import readline

            if self.history_file is not None:
                for position in range(readline.get_current_history_length()):
                    line = readline.get_history_item(position + 1)  # 1-based, unlike replace_history_item
                    if line:
                        readline.replace_history_item(position, self.manager.as_stored(line))
                readline.write_history_file(self.history_file)
        except (ImportError, OSError):
            pass

    def _command(self, line: str) -> bool:
        """Handle a slash command; return False when the user wants to leave."""
        command = line.split()[0].lower()
        if command in ("/quit", "/exit"):
            return False
        if command == "/reset":
            self.conversation_id = new_conversation_id()
            self.last_sources = None
            self._say("Started a new conversation.")
        elif command == "/sources":
            self._say(sources_note(self.last_sources))
        else:
            self._say(f"Unknown command {command}. {HELP}")
        return True

    def _answer(self, line: str) -> None:
        """Answer one message. Ctrl-C stops it wherever it is: in reply(), which finds and ranks the sources (and
        makes a whole extractive answer), or in the stream. Stopped in reply(), the question may be stored without an
        answer, as after a crash: asked again, it is answered and stored once (DialogueManager.reply)."""
        with log_context(conversation_id=self.conversation_id):
            try:
                reply = self.manager.reply(self.name, self.conversation_id, line)
            except MessageError as error:
                self._say(str(error))
                return
            except KeyboardInterrupt:
                self.last_sources = []
                self._say("bot> [stopped]")
                return
            self._show(reply)

    def _show(self, reply: Reply) -> None:
        self._say("bot> ", end="")
        try:
            for piece in reply:
                self._say(shown(piece), end="")
        except KeyboardInterrupt:
            reply.cancel()
            self._say(" [stopped]", end="")
        self._say()
        self.last_sources = reply.cited_sources()
        if self.last_sources and reply.kind != AnswerKind.FALLBACK:
            self._say(format_sources(self.last_sources))

    def run(self) -> None:
        self._setup_readline()
        self._say(f"supportbot (conversation {self.conversation_id}). {HELP}")
        try:
            while True:
                try:
                    line = input("you> ")
                except EOFError:
                    self._say()
                    break
                except KeyboardInterrupt:
                    self._say()
                    continue
                try:
                    if line.strip().startswith("/"):
                        if not self._command(line.strip()):
                            break
                        continue
                    self._answer(line)
                except KeyboardInterrupt:  # pressed again while an answer stopped, or as its sources printed
                    self._say()
        finally:
            self._save_history()
