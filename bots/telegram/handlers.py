"""Bot handlers: thin, like routes. They read the update, call a view in an app context, and reply."""

from __future__ import annotations

import warnings

from flask import Flask
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from app.core.geo import Point
from bots.telegram import views
from bots.telegram.context import Caller, ServiceRefusal, call

GROUP, LEAF, DESCRIPTION, PLACE = range(4)


def _caller(update: Update) -> Caller:
    user = update.effective_user
    return Caller(chat_id=update.effective_chat.id, language_code=user.language_code if user else None)


async def _send(update: Update, reply) -> bool:
    """Send a Reply (or a refusal); returns whether the step succeeded."""
    if isinstance(reply, ServiceRefusal):
        await update.effective_chat.send_message(reply.text())
        return False
    markup = None
    if reply.buttons:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(label, callback_data=data)] for label, data in reply.buttons]
        )
    await update.effective_chat.send_message(reply.text, reply_markup=markup)
    return reply.ok


def register(application: Application, flask_app: Flask) -> None:
    """Attach every handler; ``flask_app`` gives the services their app context."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        caller = _caller(update)
        if context.args:
            code = context.args[0]
            await _send(
                update, await call(flask_app, caller, lambda _actor: views.link(code, caller.chat_id))
            )
        else:
            await _send(update, await call(flask_app, caller, views.welcome))

    async def unlink(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _send(update, await call(flask_app, _caller(update), views.unlink))

    async def mine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _send(update, await call(flask_app, _caller(update), views.my_requests))

    async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        number = " ".join(context.args or [])
        await _send(update, await call(flask_app, _caller(update), lambda a: views.request_status(a, number)))

    async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        context.user_data.clear()
        ok = await _send(update, await call(flask_app, _caller(update), views.category_groups))
        return GROUP if ok else ConversationHandler.END

    async def pick_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        await update.callback_query.answer()
        group = update.callback_query.data.removeprefix("group:")
        reply = await call(flask_app, _caller(update), lambda a: views.category_leaves(a, group))
        await _send(update, reply)
        if isinstance(reply, views.Reply) and not reply.buttons:
            context.user_data["category"] = group
            return DESCRIPTION
        return LEAF

    async def pick_leaf(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        await update.callback_query.answer()
        context.user_data["category"] = update.callback_query.data.removeprefix("cat:")
        await _send(update, await call(flask_app, _caller(update), lambda _a: views.ask_description()))
        return DESCRIPTION

    async def describe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        context.user_data["description"] = update.message.text.strip()
        await _send(update, await call(flask_app, _caller(update), lambda _a: views.ask_place()))
        return PLACE

    async def place(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        message = update.message
        point = Point(message.location.latitude, message.location.longitude) if message.location else None
        address = "" if message.location else message.text.strip()
        data = context.user_data
        reply = await call(
            flask_app,
            _caller(update),
            lambda a: views.submit(a, data["category"], data["description"], address, point),
        )
        await _send(update, reply)
        data.clear()
        return ConversationHandler.END

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        context.user_data.clear()
        await _send(update, await call(flask_app, _caller(update), lambda _a: views.cancelled()))
        return ConversationHandler.END

    # Buttons and typed messages share one conversation per chat, so per_message stays False;
    # PTB warns about exactly this combination, which is intended here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[CommandHandler("report", report)],
            states={
                GROUP: [CallbackQueryHandler(pick_group, pattern=r"^group:")],
                LEAF: [CallbackQueryHandler(pick_leaf, pattern=r"^cat:")],
                DESCRIPTION: [MessageHandler(filters.TEXT & ~filters.COMMAND, describe)],
                PLACE: [MessageHandler((filters.TEXT & ~filters.COMMAND) | filters.LOCATION, place)],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            per_message=False,
        )
    application.add_handler(conversation)
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("unlink", unlink))
    application.add_handler(CommandHandler("mine", mine))
    application.add_handler(CommandHandler("status", status))
