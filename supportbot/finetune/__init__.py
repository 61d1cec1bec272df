"""Fine-tuning the chat model on support dialogues: LoRA on a CPU, QLoRA on a CUDA GPU.

Data is JSONL in the chat `messages` convention; the loss is on assistant tokens only, rendered
with the base model's own chat template, which is recorded in the adapter folder so the bot
serves with exactly the template it was trained with.
"""
