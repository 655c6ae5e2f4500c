"""Bot handlers: thin, like routes. They read the update, run one turn in an app context, and reply.

What each command, button and conversation step does is the business of the features
(``bots/telegram/features``); this module only turns Telegram updates into turns and replies
into Telegram messages.
"""

from __future__ import annotations

from flask import Flask
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from app.core.geo import Point
from bots.telegram.context import Caller, call
from bots.telegram.registry import Registry
from bots.telegram.replies import Incoming, Reply

MAX_PHOTO_BYTES = 5 * 1024 * 1024  # what a complaint accepts; Telegram offers each photo in several sizes


def _caller(update: Update) -> Caller:
    user = update.effective_user
    return Caller(
        chat_id=update.effective_chat.id,
        language_code=user.language_code if user else None,
        update_id=update.update_id,
    )


def _markup(reply: Reply):
    if reply.ask_location:
        button = KeyboardButton(reply.ask_location, request_location=True)
        return ReplyKeyboardMarkup([[button]], one_time_keyboard=True, resize_keyboard=True)
    if reply.buttons:
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(label, callback_data=data) for label, data in row]
                for row in reply.buttons
            ]
        )
    return None


async def send(update: Update, reply: Reply | None) -> None:
    """Send a reply (None: the update was a repeat, already answered)."""
    if reply is None:
        return
    chat, markup = update.effective_chat, _markup(reply)
    if reply.photo is not None:
        await chat.send_photo(reply.photo, caption=reply.text, reply_markup=markup)
    elif reply.document is not None:
        name, content = reply.document
        await chat.send_document(content, filename=name, caption=reply.text, reply_markup=markup)
    else:
        await chat.send_message(reply.text, reply_markup=markup)


async def _incoming(update: Update) -> Incoming:
    message = update.message
    if message.location:
        return Incoming(point=Point(message.location.latitude, message.location.longitude))
    if message.photo:
        fitting = [size for size in message.photo if (size.file_size or 0) <= MAX_PHOTO_BYTES]
        largest = max(fitting or message.photo[:1], key=lambda size: size.width * size.height)
        telegram_file = await largest.get_file()
        return Incoming(text=message.caption or "", photo=bytes(await telegram_file.download_as_bytearray()))
    return Incoming(text=(message.text or "").strip())


def register(application: Application, flask_app: Flask, registry: Registry) -> None:
    """Attach a handler for every installed command, every button and every message."""

    def command(name: str):
        async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            arguments = " ".join(context.args or [])
            await send(
                update, await call(flask_app, _caller(update), lambda t: registry.command(t, name, arguments))
            )

        return on_command

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        data = update.callback_query.data or ""
        await send(update, await call(flask_app, _caller(update), lambda t: registry.press(t, data)))

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = await _incoming(update)
        await send(update, await call(flask_app, _caller(update), lambda t: registry.answer(t, incoming)))

    for name in registry.commands:
        application.add_handler(CommandHandler(name, command(name)))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & ((filters.TEXT & ~filters.COMMAND) | filters.LOCATION | filters.PHOTO),
            on_message,
        )
    )
