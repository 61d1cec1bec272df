"""`supportbot finetune`: prepare and check training data, train an adapter, score it, merge it."""

from __future__ import annotations

from pathlib import Path

import click

from supportbot.cli import get_config
from supportbot.cli.signals import sigterm_interrupts
from supportbot.config import apply_settings


@click.group("finetune")
def finetune_group() -> None:
    """Fine-tune the chat model on your support conversations (QLoRA on a 4-bit base, CPU or GPU; or plain LoRA).

    \b
    Examples:
      supportbot finetune prepare faq.csv --output data.jsonl --question-column Question --answer-column Answer
      supportbot finetune prepare dialogues.jsonl --output data.jsonl --context .supportbot/index
      supportbot finetune validate data.jsonl
      supportbot finetune train --data data.jsonl --output adapters/v1
      supportbot finetune eval --adapter adapters/v1 --data held_out.jsonl
      supportbot finetune merge --adapter adapters/v1 --output merged-model
      supportbot chat --adapter adapters/v1
    """


@finetune_group.command("prepare")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="messages JSONL to write.")
@click.option("--format", "source_format", type=click.Choice(["auto", "csv", "faq", "messages"]), default="auto", show_default=True,
              help="csv: question/answer columns; faq: the FAQ JSONL the index reads; messages: conversations as `train` "
                   "reads them; auto: .csv/.tsv is csv, a JSONL whose first line has \"messages\" is messages, else faq.")
@click.option("--question-column", default="question", show_default=True, help="CSV column holding the customer's question.")
@click.option("--answer-column", default="answer", show_default=True, help="CSV column holding the support answer.")
@click.option("--system-prompt", default="", help="System message put first in every conversation (none by default; not with --context).")
@click.option("--context", "index_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Index the bot answers from: every reply becomes one example in the prompt the bot, as configured "
                   "(bot.answer_mode, retrieval.*), would send its model for that question.")
@click.option("--decline-share", type=float, help="With --context: share of examples with unrelated sources and the fallback reply (finetune.decline_share).")
@click.pass_context
def prepare(ctx: click.Context, source: Path, output: Path, source_format: str, question_column: str, answer_column: str,
            system_prompt: str, index_dir: Path | None, decline_share: float | None) -> None:
    """Convert a question/answer CSV, an FAQ JSONL or conversations into messages JSONL, optionally in the serving prompt.

    \b
    Examples:
      supportbot finetune prepare tickets.csv -o data.jsonl --question-column subject --answer-column reply
      supportbot finetune prepare docs/faq.jsonl -o faq_dialogues.jsonl --system-prompt "You are Larkspur's assistant."
      supportbot index build supportbot/sample_data/docs --index .supportbot/index
      supportbot finetune prepare supportbot/sample_data/dialogues.jsonl -o grounded.jsonl --context .supportbot/index
    """
    from supportbot.errors import TrainingDataError
    from supportbot.finetune.prepare import read_source, write_jsonl
    from supportbot.staging import check_not_the_input

    if index_dir is not None and system_prompt:
        raise click.UsageError("--system-prompt and --context don't go together: with --context the prompt is bot.system_prompt, as served")
    check_not_the_input(output, source, "--output")
    conversations = list(read_source(source, source_format, question_column, answer_column, system_prompt))
    if not conversations:
        raise TrainingDataError(f"{source}: no usable conversation (see the skipped lines above, if any); nothing written to {output}")
    if index_dir is None:
        count = write_jsonl(({"messages": messages} for messages in conversations), output)
        click.echo(f"wrote {count} conversations to {output}")
        return
    from supportbot.finetune.context import prepare_with_context

    config = get_config(ctx)
    if decline_share is not None:
        apply_settings(config, {"finetune.decline_share": decline_share}, "command line")
    records, summary = prepare_with_context(config, index_dir, conversations)
    if not records:  # an empty file only fails later, in `train`; the previous output, if any, is kept
        raise TrainingDataError(
            f"nothing written to {output}: {summary}. The bot over {index_dir} asks its model for none of these replies "
            "(fallback: no source close enough; is --context the index of these conversations' documents? extractive: "
            "bot.answer_mode is extractive, set grounded or generative)"
        )
    write_jsonl(records, output)
    click.echo(f"wrote {summary} to {output}")


def _length_summary(lengths: list[int]) -> str:
    from supportbot.evaluation.metrics import percentile

    points = {"min": 0, "median": 50, "p90": 90, "p99": 99, "max": 100}
    return ", ".join(f"{name} {round(percentile(lengths, q))}" for name, q in points.items())


@finetune_group.command("validate")
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--max-length", type=int, help="Token limit to check against (default: finetune.max_length).")
@click.pass_context
def validate(ctx: click.Context, data: Path, max_length: int | None) -> None:
    """Check training data before spending GPU time: malformed lines, counts, token lengths, loss tokens.

    Shows one conversation rendered with the chat template; the tokens that carry loss are in [[ ]].
    Exits with status 1 when any line is malformed.

    \b
    Example:
      supportbot finetune validate supportbot/sample_data/dialogues.jsonl
    """
    from supportbot.errors import TrainingDataError
    from supportbot.finetune.data import read_conversations, role_counts
    from supportbot.finetune.modeling import load_tokenizer
    from supportbot.finetune.tokenization import apply_template_setting, render_with_loss_marked, tokenize_all
    from supportbot.model_sources import transformers_model_dir

    config = get_config(ctx)
    max_length = max_length or config.finetune.max_length
    report = read_conversations(data)
    conversations = report.conversations
    if conversations:
        tokenizer = load_tokenizer(transformers_model_dir(config.model.name, config.paths.cache_path()))
        apply_template_setting(tokenizer, config.finetune.chat_template, config.model.name)
        examples = tokenize_all(tokenizer, conversations, max_length)
        shown = next((e for e, c in zip(examples, conversations) if c.assistant_turns > 1), examples[0])
        click.echo(f"example ({shown.source}); tokens that carry loss are in [[ ]]:")
        click.echo(render_with_loss_marked(tokenizer, shown))
        click.echo()
        roles = role_counts(conversations)
        click.echo(f"conversations: {len(conversations)} usable ({sum(c.assistant_turns > 1 for c in conversations)} multi-turn)")
        click.echo(f"messages: {roles['system']} system, {roles['user']} user, {roles['assistant']} assistant")
        click.echo(f"tokens per conversation: {_length_summary([e.full_length for e in examples])}")
        click.echo(f"loss tokens: {sum(e.loss_tokens for e in examples)} of {sum(len(e) for e in examples)} after truncation")
        click.echo(f"longer than max_length {max_length} (oldest turns dropped): {sum(e.truncated for e in examples)}")
    click.echo(f"conversations without any assistant reply (skipped): {report.without_assistant}")
    click.echo(f"conversations ending in a user turn with no reply (that turn is not trained on): {report.unanswered_turns}")
    click.echo(f"duplicate conversations (skipped): {report.duplicates}")
    click.echo(f"conversations with turns out of order (a greeting first dropped, turns in a row merged): {len(report.reshaped)}")
    click.echo(f"malformed lines: {len(report.malformed)}")
    for problem in report.malformed:
        click.echo(f"  {problem}")
    if report.malformed:
        ctx.exit(1)
    if not conversations:
        raise TrainingDataError(f"{data}: no conversation with an assistant reply; there is nothing to learn from")


@finetune_group.command("train")
@click.option("--data", required=True, type=click.Path(path_type=Path), help="Training conversations (messages JSONL).")
@click.option("--eval-data", type=click.Path(path_type=Path), help="Held-out conversations; without it, --eval-split of --data is held out.")
@click.option("--eval-split", type=float, help="Share of --data held out for evaluation (finetune.eval_split).")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="Output folder (finetune.output_dir).")
@click.option("--resume", is_flag=True, help="Continue the interrupted run in the output folder from its last checkpoint.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
@click.option("--quantize/--no-quantize", default=None, help="QLoRA on a 4-bit base, or plain LoRA, for this run (default: finetune.quantize, 'auto': 4-bit where bitsandbytes works).")
@click.option("--epochs", type=int, help="finetune.epochs")
@click.option("--max-steps", type=int, help="finetune.max_steps")
@click.option("--batch-size", type=int, help="finetune.batch_size")
@click.option("--max-length", type=int, help="finetune.max_length")
@click.option("--learning-rate", type=float, help="finetune.learning_rate")
@click.option("--set", "extra", multiple=True, metavar="KEY=VALUE", help="Any other [finetune] setting, e.g. --set lora_r=8 (TOML value).")
@click.pass_context
def train(ctx: click.Context, data: Path, eval_data: Path | None, eval_split: float | None, output: Path | None, resume: bool,
          overwrite: bool, quantize: bool | None, extra: tuple[str, ...], **overrides) -> None:
    """Train a LoRA adapter on assistant replies; the best checkpoint by eval loss ends up in the output folder.

    Runs unchanged under `accelerate launch` on several GPUs.

    \b
    Examples:
      supportbot finetune train --data supportbot/sample_data/dialogues.jsonl --output adapters/larkspur
      supportbot finetune train --data data.jsonl --eval-data held_out.jsonl --epochs 2 --output adapters/v2
      accelerate launch "$(which supportbot)" finetune train --data data.jsonl --output adapters/v3
    """
    import tomllib

    from supportbot.finetune.trainer import TrainRequest
    from supportbot.finetune.trainer import train as run_training

    config = get_config(ctx)
    settings = {f"finetune.{k}": v for k, v in overrides.items() if v is not None}
    if eval_split is not None:
        settings["finetune.eval_split"] = eval_split
    for item in extra:
        key, sep, raw = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: expected KEY=VALUE", param_hint="--set")
        try:
            settings[f"finetune.{key.strip()}"] = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            settings[f"finetune.{key.strip()}"] = raw
    apply_settings(config, settings, "command line")
    output = output or Path(config.finetune.output_dir)
    request = TrainRequest(data, output, eval_data, resume, overwrite, quantize)
    with sigterm_interrupts():
        report = run_training(config, request)
    best = f", best eval loss {report['best_eval_loss']:.4f} at step {report['best_step']}" if report["best_eval_loss"] is not None else ""
    click.echo(f"{report['stopped']} after {report['steps']} steps ({report['tokens_per_second']:.0f} tokens/s){best}")
    click.echo(f"adapter, train_report.json and loss_curve.png in {output}; serve it with: supportbot chat --adapter {output}")


@finetune_group.command("eval")
@click.option("--adapter", "adapter_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Adapter folder.")
@click.option("--data", required=True, type=click.Path(path_type=Path), help="Held-out conversations (messages JSONL).")
@click.option("--limit", type=int, help="Conversations whose last reply is generated and scored (finetune.eval_limit).")
@click.option("--max-new-tokens", type=int, help="Longest generated answer (finetune.eval_max_new_tokens).")
@click.pass_context
def evaluate(ctx: click.Context, adapter_dir: Path, data: Path, limit: int | None, max_new_tokens: int | None) -> None:
    """Base vs adapted model side by side: perplexity on the replies, ROUGE-L and token F1 of greedy answers, and,
    for data carrying sources (`prepare --context`), unsupported numbers and supported sentences as `eval answers`
    counts them. The table is also written to the adapter folder (eval_report.json with every answer, eval_report.md).

    \b
    Example:
      supportbot finetune eval --adapter adapters/larkspur --data held_out.jsonl --limit 20
    """
    from supportbot.finetune.adapter import load_adapted
    from supportbot.finetune.data import load_conversations
    from supportbot.finetune.evaluate import answer_tasks, compare, format_table, write_eval_report
    from supportbot.finetune.tokenization import tokenize_all

    config = get_config(ctx)
    settings = config.finetune
    conversations = load_conversations(data).conversations
    model, tokenizer, device = load_adapted(config.model.name, config.paths.cache_path(), adapter_dir, config.model.device,
                                            config.model.quantize)
    examples = tokenize_all(tokenizer, conversations, settings.max_length)
    tasks = answer_tasks(conversations, settings.eval_limit if limit is None else limit)
    max_new_tokens = max_new_tokens or settings.eval_max_new_tokens
    checker = None
    if any(task.sources for task in tasks):  # faithfulness needs the sources each reply was to be made from
        from supportbot.app import create_embedder, create_grounding_checker

        checker = create_grounding_checker(config, create_embedder(config))
    results = compare(model, tokenizer, examples, tasks, max_new_tokens, settings.batch_size, device,
                      config.model.repetition_penalty, checker)
    click.echo(f"{len(examples)} conversations for perplexity, {len(tasks)} answers scored")
    click.echo(format_table(results))
    about = {"data": str(data), "conversations": len(examples), "answers_scored": len(tasks), "max_new_tokens": max_new_tokens,
             "repetition_penalty": config.model.repetition_penalty}
    json_path, markdown_path = write_eval_report(results, tasks, adapter_dir, about)
    click.echo(f"written to {json_path} and {markdown_path}")


@finetune_group.command("merge")
@click.option("--adapter", "adapter_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Adapter folder.")
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the merged model.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
@click.pass_context
def merge(ctx: click.Context, adapter_dir: Path, output: Path, overwrite: bool) -> None:
    """Fold the adapter into the base model's weights: a plain model folder that loads without peft.

    \b
    Example:
      supportbot finetune merge --adapter adapters/larkspur --output models/larkspur
      SUPPORTBOT_MODEL_NAME=models/larkspur supportbot chat
    """
    from supportbot.adapters import check_base_model
    from supportbot.finetune.adapter import merge_adapter
    from supportbot.finetune.trainer import check_overwrite
    from supportbot.model_sources import transformers_model_dir
    from supportbot.staging import staged_replacement

    config = get_config(ctx)
    check_base_model(adapter_dir, config.model.name)
    check_overwrite(output, overwrite)
    with sigterm_interrupts(), staged_replacement(output) as staging:  # the earlier model stays until this one is complete
        merge_adapter(transformers_model_dir(config.model.name, config.paths.cache_path()), adapter_dir, staging)
    click.echo(f"merged model written to {output}; use it with model.name = \"{output}\"")
