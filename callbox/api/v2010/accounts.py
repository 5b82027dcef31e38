"""Accounts (and subaccounts) and API Keys."""

from __future__ import annotations

from typing import Any

from callbox.api.context import RequestContext
from callbox.api.v2010._generated import V2010Api
from callbox.api.v2010.views import account_json, key_json

__all__ = ["AccountsApi"]


class AccountsApi(V2010Api):
    async def list_account(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_account_credentials(ctx.principal)
        req = ctx.page_request()
        page = await ctx.services.accounts.list_accounts(
            ctx.principal, friendly_name=ctx.params.get("FriendlyName"),
            status=ctx.params.get("Status"), after=req.cursor, limit=req.size,
        )
        return ctx.list_page("accounts", page, account_json, req)

    async def create_account(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_account_credentials(ctx.principal)
        account = await ctx.services.accounts.create_subaccount(
            ctx.principal, ctx.params.get("FriendlyName")
        )
        return account_json(account)

    async def fetch_account(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_account_credentials(ctx.principal)
        return account_json(ctx.account)

    async def update_account(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_account_credentials(ctx.principal)
        account = await ctx.services.accounts.update_account(
            ctx.principal, ctx.account, ctx.params.get("FriendlyName"), ctx.params.get("Status")
        )
        return account_json(account)

    async def create_new_key(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_account_credentials(ctx.principal)
        ctx.services.accounts.require_active(ctx.account)
        key, secret = await ctx.services.accounts.create_key(
            ctx.account, ctx.params.get("FriendlyName")
        )
        return key_json(key, secret)

    async def list_key(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_account_credentials(ctx.principal)
        req = ctx.page_request()
        page = await ctx.services.store.list_keys(ctx.account.sid, after=req.cursor,
                                                  limit=req.size)
        return ctx.list_page("keys", page, key_json, req)

    async def fetch_key(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_account_credentials(ctx.principal)
        key = await ctx.services.accounts.get_key(ctx.account, ctx.path_params["Sid"], ctx.uri)
        return key_json(key)

    async def update_key(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_account_credentials(ctx.principal)
        key = await ctx.services.accounts.get_key(ctx.account, ctx.path_params["Sid"], ctx.uri)
        key = await ctx.services.accounts.update_key(key, ctx.params.get("FriendlyName"))
        return key_json(key)

    async def delete_key(self, ctx: RequestContext) -> None:
        ctx.services.accounts.require_account_credentials(ctx.principal)
        await ctx.services.accounts.delete_key(ctx.account, ctx.path_params["Sid"], ctx.uri)
