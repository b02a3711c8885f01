"""Facts of the SIP2 2.00 protocol (3M Standard Interchange Protocol) this server relies on.

Pure data, no behaviour: the fixed-length part of each message, the variable fields a response
must carry, and the code lists. The codec checks every response against these tables, so a
response that breaks the protocol is a bug caught before it reaches a kiosk."""

# Fixed-length fields of each request, in wire order: (name, width).
REQUEST_LAYOUT: dict[str, tuple[tuple[str, int], ...]] = {
    "99": (("status_code", 1), ("max_print_width", 3), ("protocol_version", 4)),
    "93": (("uid_algorithm", 1), ("pwd_algorithm", 1)),
    "63": (("language", 3), ("transaction_date", 18), ("summary", 10)),
    "23": (("language", 3), ("transaction_date", 18)),
    "11": (
        ("sc_renewal_policy", 1),
        ("no_block", 1),
        ("transaction_date", 18),
        ("nb_due_date", 18),
    ),
    "09": (("no_block", 1), ("transaction_date", 18), ("return_date", 18)),
    "29": (
        ("third_party_allowed", 1),
        ("no_block", 1),
        ("transaction_date", 18),
        ("nb_due_date", 18),
    ),
    "65": (("transaction_date", 18),),
    "17": (("transaction_date", 18),),
    "15": (("hold_mode", 1), ("transaction_date", 18)),
    "37": (
        ("transaction_date", 18),
        ("fee_type", 2),
        ("payment_type", 2),
        ("currency_type", 3),
    ),
    "35": (("transaction_date", 18),),
    "25": (("transaction_date", 18),),
    "01": (("card_retained", 1), ("transaction_date", 18)),
    "19": (("transaction_date", 18),),
    "97": (),
}

# Fixed-length fields of each response, in wire order: (name, width).
RESPONSE_LAYOUT: dict[str, tuple[tuple[str, int], ...]] = {
    "98": (
        ("online_status", 1),
        ("checkin_ok", 1),
        ("checkout_ok", 1),
        ("acs_renewal_policy", 1),
        ("status_update_ok", 1),
        ("offline_ok", 1),
        ("timeout_period", 3),
        ("retries_allowed", 3),
        ("date_time_sync", 18),
        ("protocol_version", 4),
    ),
    "94": (("ok", 1),),
    "64": (
        ("patron_status", 14),
        ("language", 3),
        ("transaction_date", 18),
        ("hold_items_count", 4),
        ("overdue_items_count", 4),
        ("charged_items_count", 4),
        ("fine_items_count", 4),
        ("recall_items_count", 4),
        ("unavailable_holds_count", 4),
    ),
    "24": (("patron_status", 14), ("language", 3), ("transaction_date", 18)),
    "26": (("patron_status", 14), ("language", 3), ("transaction_date", 18)),
    "12": (
        ("ok", 1),
        ("renewal_ok", 1),
        ("magnetic_media", 1),
        ("desensitize", 1),
        ("transaction_date", 18),
    ),
    "30": (
        ("ok", 1),
        ("renewal_ok", 1),
        ("magnetic_media", 1),
        ("desensitize", 1),
        ("transaction_date", 18),
    ),
    "10": (
        ("ok", 1),
        ("resensitize", 1),
        ("magnetic_media", 1),
        ("alert", 1),
        ("transaction_date", 18),
    ),
    "66": (("ok", 1), ("renewed_count", 4), ("unrenewed_count", 4), ("transaction_date", 18)),
    "18": (
        ("circulation_status", 2),
        ("security_marker", 2),
        ("fee_type", 2),
        ("transaction_date", 18),
    ),
    "16": (("ok", 1), ("available", 1), ("transaction_date", 18)),
    "38": (("payment_accepted", 1), ("transaction_date", 18)),
    "36": (("end_session", 1), ("transaction_date", 18)),
    "20": (("item_properties_ok", 1), ("transaction_date", 18)),
    "96": (),
}

# Variable fields a response must always carry (possibly empty), per the specification.
RESPONSE_REQUIRED: dict[str, tuple[str, ...]] = {
    "98": ("AO", "BX"),
    "94": (),
    "64": ("AO", "AA", "AE"),
    "24": ("AO", "AA", "AE"),
    "26": ("AO", "AA", "AE"),
    "12": ("AO", "AA", "AB", "AJ", "AH"),
    "30": ("AO", "AA", "AB", "AJ", "AH"),
    "10": ("AO", "AB", "AQ"),
    "66": ("AO",),
    "18": ("AB", "AJ"),
    "16": ("AO", "AA"),
    "38": ("AO", "AA"),
    "36": ("AO", "AA"),
    "20": ("AB",),
    "96": (),
}

# The answer to each request.
RESPONSE_TO = {
    "99": "98", "93": "94", "63": "64", "23": "24", "25": "26", "11": "12", "09": "10",
    "29": "30", "65": "66", "17": "18", "15": "16", "37": "38", "35": "36", "01": "24",
    "19": "20",
}  # fmt: skip

# Message 98's BX field: one Y/N per request, in this order.
SUPPORTED_MESSAGES_ORDER = (
    "23", "11", "09", "01", "99", "97", "93", "63", "35", "37", "17", "19", "25", "15", "29", "65",
)  # fmt: skip

# Error-detection control messages carry a checksum but never a sequence number.
CONTROL_MESSAGES = {"96", "97"}

# Circulation status of message 18.
CIRCULATION_OTHER = "01"
CIRCULATION_AVAILABLE = "03"
CIRCULATION_CHARGED = "04"
CIRCULATION_IN_PROCESS = "06"
CIRCULATION_ON_HOLD_SHELF = "08"
CIRCULATION_IN_TRANSIT = "10"
CIRCULATION_CLAIMED_RETURNED = "11"
CIRCULATION_LOST = "12"
CIRCULATION_MISSING = "13"

# Media types (CK).
MEDIA_OTHER = "000"
MEDIA_BOOK = "001"
MEDIA_MAGAZINE = "002"
MEDIA_CD = "006"

# Fee types (BT, and the fixed field of 18 and 37).
FEE_OTHER = "01"
FEE_OVERDUE = "04"
FEE_HOLD = "09"

# Payment types of message 37.
PAYMENT_TYPES = {"00": "contant", "01": "VISA", "02": "creditcard"}

# Alert types (CV) of message 10.
ALERT_HOLD_HERE = "01"
ALERT_HOLD_ELSEWHERE = "02"
ALERT_SEND_ELSEWHERE = "04"

# Hold types (BY) of message 15.
HOLD_TYPE_SPECIFIC_COPY = "3"

# Security marker of message 18: "00" is "other" (RFID or unknown).
SECURITY_OTHER = "00"

# Language codes of messages 23, 63, 64 and 24 that CLB has translations for.
LANGUAGES = {"001": "en", "005": "nl"}
UNKNOWN_LANGUAGE = "000"

# 14 positions of the patron status field; "Y" means the privilege is denied / the condition holds.
CHARGE_DENIED, RENEWAL_DENIED, RECALL_DENIED, HOLD_DENIED = 0, 1, 2, 3
EXCESSIVE_FINES, EXCESSIVE_FEES = 10, 11

MAX_FIELD_LENGTH = 255  # characters of one variable field
