"""The SRU diagnostics CLB answers with (info:srw/diagnostic/1/…, the list shared by SRU 1.2
and 2.0). A diagnostic is an answer, not a failure: the HTTP status stays 200."""

GENERAL = 1
TEMPORARY = 2
UNSUPPORTED_OPERATION = 4
UNSUPPORTED_VERSION = 5
UNSUPPORTED_VALUE = 6
MANDATORY_MISSING = 7
UNSUPPORTED_PARAMETER = 8
QUERY_SYNTAX = 10
UNSUPPORTED_CONTEXT_SET = 15
UNSUPPORTED_INDEX = 16
UNSUPPORTED_RELATION = 19
UNSUPPORTED_RELATION_MODIFIER = 20
EMPTY_TERM = 27
MASKING_UNSUPPORTED = 28
MASKED_TOO_SHORT = 29
TERM_INVALID = 36
UNSUPPORTED_BOOLEAN = 37
UNSUPPORTED_BOOLEAN_MODIFIER = 46
FIRST_RECORD_OUT_OF_RANGE = 61
UNKNOWN_SCHEMA = 66
UNSUPPORTED_PACKING = 71
SORT_UNSUPPORTED = 80
RESPONSE_POSITION = 120
TOO_MANY_TERMS = 121

MESSAGES = {
    GENERAL: "General system error",
    TEMPORARY: "System temporarily unavailable",
    UNSUPPORTED_OPERATION: "Unsupported operation",
    UNSUPPORTED_VERSION: "Unsupported version",
    UNSUPPORTED_VALUE: "Unsupported parameter value",
    MANDATORY_MISSING: "Mandatory parameter not supplied",
    UNSUPPORTED_PARAMETER: "Unsupported parameter",
    QUERY_SYNTAX: "Query syntax error",
    UNSUPPORTED_CONTEXT_SET: "Unsupported context set",
    UNSUPPORTED_INDEX: "Unsupported index",
    UNSUPPORTED_RELATION: "Unsupported relation",
    UNSUPPORTED_RELATION_MODIFIER: "Unsupported relation modifier",
    EMPTY_TERM: "Empty term unsupported",
    MASKING_UNSUPPORTED: "Masking character not supported",
    MASKED_TOO_SHORT: "Masked words too short",
    TERM_INVALID: "Term in invalid format for index or relation",
    UNSUPPORTED_BOOLEAN: "Unsupported boolean operator",
    UNSUPPORTED_BOOLEAN_MODIFIER: "Unsupported boolean modifier",
    FIRST_RECORD_OUT_OF_RANGE: "First record position out of range",
    UNKNOWN_SCHEMA: "Unknown schema for retrieval",
    UNSUPPORTED_PACKING: "Unsupported record packing",
    SORT_UNSUPPORTED: "Sort not supported",
    RESPONSE_POSITION: "Response position out of range",
    TOO_MANY_TERMS: "Too many terms requested",
}


class Diagnostic(Exception):
    def __init__(self, number: int, details: str = ""):
        super().__init__(f"{number}: {details}")
        self.number = number
        self.details = details

    @property
    def uri(self) -> str:
        return f"info:srw/diagnostic/1/{self.number}"

    @property
    def message(self) -> str:
        return MESSAGES.get(self.number, "")
