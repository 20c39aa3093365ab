"""Recorded-style frames: hand-written messages shaped like the real server's answers.

They follow the field names and types of the official receive schemas and the examples in the
API docs; ``test_frames_match_schemas`` checks each against ``receive.json`` when ``../shared``
is present, so the fixtures cannot drift from the real shapes.
"""

from __future__ import annotations

from typing import Any

SUB_ID = "c84a793b-8a87-7999-ce10-9b22f7ceead3"

AUTHORIZE: dict[str, Any] = {
    "echo_req": {"authorize": "<not shown>", "req_id": 1},
    "msg_type": "authorize",
    "req_id": 1,
    "authorize": {
        "account_list": [
            {
                "account_category": "trading",
                "account_type": "binary",
                "created_at": 1700000000,
                "currency": "USD",
                "is_disabled": 0,
                "is_virtual": 1,
                "landing_company_name": "virtual",
                "loginid": "VRTC1859315",
                "linked_to": [],
            },
            {
                "account_category": "trading",
                "account_type": "binary",
                "created_at": 1700000100,
                "currency": "USD",
                "is_disabled": 0,
                "is_virtual": 0,
                "landing_company_name": "svg",
                "loginid": "CR799393",
                "linked_to": [],
            },
        ],
        "balance": 10000,
        "country": "id",
        "currency": "USD",
        "email": "bot@example.com",
        "fullname": " ",
        "is_virtual": 1,
        "landing_company_fullname": "Deriv Limited",
        "landing_company_name": "virtual",
        "linked_to": [],
        "local_currencies": {"IDR": {"fractional_digits": 2}},
        "loginid": "VRTC1859315",
        "preferred_language": "EN",
        "scopes": ["read", "trade", "trading_information", "payments", "admin"],
        "upgradeable_landing_companies": ["svg"],
        "user_id": 12345,
    },
}

TICK: dict[str, Any] = {
    "echo_req": {"ticks": "R_100", "subscribe": 1, "req_id": 2},
    "msg_type": "tick",
    "req_id": 2,
    "subscription": {"id": SUB_ID},
    "tick": {
        "ask": 1234.56,
        "bid": 1234.56,
        "epoch": 1700000002,
        "id": SUB_ID,
        "pip_size": 2,
        "quote": 1234.56,
        "symbol": "R_100",
    },
}

CANDLES: dict[str, Any] = {
    "echo_req": {"ticks_history": "R_50", "end": "latest", "count": 2, "style": "candles"},
    "msg_type": "candles",
    "req_id": 3,
    "pip_size": 4,
    "candles": [
        {"epoch": 1700000040, "open": 250.1234, "high": 250.5, "low": 249.9, "close": 250.2},
        {"epoch": 1700000100, "open": 250.2, "high": 250.7, "low": 250.0, "close": 250.6},
    ],
}

OHLC: dict[str, Any] = {
    "echo_req": {"ticks_history": "R_50", "end": "latest", "style": "candles", "subscribe": 1},
    "msg_type": "ohlc",
    "req_id": 3,
    "subscription": {"id": SUB_ID},
    "ohlc": {
        "close": "250.6000",
        "epoch": 1700000104,
        "granularity": 60,
        "high": "250.7000",
        "id": SUB_ID,
        "low": "250.0000",
        "open": "250.2000",
        "open_time": 1700000100,
        "pip_size": 4,
        "symbol": "R_50",
    },
}

BALANCE: dict[str, Any] = {
    "echo_req": {"balance": 1, "subscribe": 1, "req_id": 4},
    "msg_type": "balance",
    "req_id": 4,
    "subscription": {"id": SUB_ID},
    "balance": {"balance": 9990.5, "currency": "USD", "id": SUB_ID, "loginid": "VRTC1859315"},
}

PROPOSAL: dict[str, Any] = {
    "echo_req": {
        "proposal": 1,
        "amount": 10,
        "basis": "stake",
        "contract_type": "CALL",
        "currency": "USD",
        "duration": 5,
        "duration_unit": "t",
        "symbol": "R_100",
        "req_id": 5,
    },
    "msg_type": "proposal",
    "req_id": 5,
    "proposal": {
        "ask_price": 10,
        "date_expiry": 1700000015,
        "date_start": 1700000004,
        "display_value": "10.00",
        "id": "5f0c0a2f-4d3b-1a4e-7c2b-6a1d2e3f4a5b",
        "longcode": "Win payout if Volatility 100 Index after 5 ticks is strictly higher "
        "than entry spot.",
        "payout": 19.55,
        "spot": 1234.56,
        "spot_time": 1700000004,
        "validation_params": {"payout": {"max": "50000.00"}, "stake": {"min": "0.35"}},
    },
}

BUY: dict[str, Any] = {
    "echo_req": {"buy": "5f0c0a2f-4d3b-1a4e-7c2b-6a1d2e3f4a5b", "price": 10, "req_id": 6},
    "msg_type": "buy",
    "req_id": 6,
    "buy": {
        "balance_after": 9990,
        "buy_price": 10,
        "contract_id": 2001,
        "longcode": "Win payout if Volatility 100 Index after 5 ticks is strictly higher "
        "than entry spot.",
        "payout": 19.55,
        "purchase_time": 1700000005,
        "shortcode": "CALL_R_100_19.55_1700000005_5T_S0P_0",
        "start_time": 1700000005,
        "transaction_id": 4001,
    },
}

OPEN_CONTRACT: dict[str, Any] = {
    "echo_req": {"proposal_open_contract": 1, "contract_id": 2001, "subscribe": 1, "req_id": 7},
    "msg_type": "proposal_open_contract",
    "req_id": 7,
    "subscription": {"id": SUB_ID},
    "proposal_open_contract": {
        "barrier": "1234.56",
        "bid_price": 19.55,
        "buy_price": 10,
        "contract_id": 2001,
        "contract_type": "CALL",
        "currency": "USD",
        "current_spot": 1236.1,
        "current_spot_time": 1700000016,
        "date_expiry": 1700000016,
        "date_settlement": 1700000016,
        "date_start": 1700000005,
        "display_name": "Volatility 100 Index",
        "entry_tick": 1234.56,
        "entry_tick_display_value": "1234.56",
        "entry_tick_time": 1700000006,
        "exit_tick": 1236.1,
        "exit_tick_display_value": "1236.10",
        "exit_tick_time": 1700000016,
        "id": SUB_ID,
        "is_expired": 1,
        "is_forward_starting": 0,
        "is_intraday": 1,
        "is_path_dependent": 0,
        "is_settleable": 1,
        "is_sold": 1,
        "is_valid_to_cancel": 0,
        "is_valid_to_sell": 0,
        "longcode": "Win payout if Volatility 100 Index after 5 ticks is strictly higher "
        "than entry spot.",
        "payout": 19.55,
        "profit": 9.55,
        "profit_percentage": 95.5,
        "purchase_time": 1700000005,
        "sell_price": 19.55,
        "sell_time": 1700000016,
        "shortcode": "CALL_R_100_19.55_1700000005_5T_S0P_0",
        "status": "won",
        "tick_count": 5,
        "transaction_ids": {"buy": 4001, "sell": 4002},
        "underlying": "R_100",
    },
}

TRANSACTION: dict[str, Any] = {
    "echo_req": {"transaction": 1, "subscribe": 1, "req_id": 8},
    "msg_type": "transaction",
    "req_id": 8,
    "subscription": {"id": SUB_ID},
    "transaction": {
        "action": "sell",
        "amount": 19.55,
        "balance": 10009.55,
        "contract_id": 2001,
        "currency": "USD",
        "display_name": "Volatility 100 Index",
        "id": SUB_ID,
        "longcode": "Win payout if Volatility 100 Index after 5 ticks is strictly higher "
        "than entry spot.",
        "purchase_time": 1700000005,
        "symbol": "R_100",
        "transaction_id": 4002,
        "transaction_time": 1700000016,
    },
}

SELL: dict[str, Any] = {
    "echo_req": {"sell": 2002, "price": 0, "req_id": 9},
    "msg_type": "sell",
    "req_id": 9,
    "sell": {
        "balance_after": 10004.1,
        "contract_id": 2002,
        "reference_id": 4003,
        "sold_for": 8.1,
        "transaction_id": 4004,
    },
}

ERROR: dict[str, Any] = {
    "echo_req": {"buy": "5f0c0a2f-4d3b-1a4e-7c2b-6a1d2e3f4a5b", "price": 9, "req_id": 10},
    "error": {
        "code": "PriceMoved",
        "message": "The underlying market has moved too much since you priced the contract. "
        "The contract price has changed from 9.00 USD to 10.00 USD.",
    },
    "msg_type": "buy",
    "req_id": 10,
}

#: (call whose receive.json describes the frame, frame)
ALL: list[tuple[str, dict[str, Any]]] = [
    ("authorize", AUTHORIZE),
    ("ticks", TICK),
    ("ticks_history", CANDLES),
    ("balance", BALANCE),
    ("proposal", PROPOSAL),
    ("buy", BUY),
    ("proposal_open_contract", OPEN_CONTRACT),
    ("transaction", TRANSACTION),
    ("sell", SELL),
    ("buy", ERROR),
]
