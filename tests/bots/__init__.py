"""Tests of the bot process: the account-level commands of ``triobot``."""
