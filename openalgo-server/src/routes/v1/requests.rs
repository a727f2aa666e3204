//! The request schemas of `/api/v1`, as data: each endpoint's fields in the reference's
//! declaration order, with the reference's messages. The table ([`super::table`]) gives each
//! endpoint its list; validation and the OpenAPI document both read it.

use openalgo_core::{Action, Exchange, Interval, OptionType, PriceType, Product};

use crate::validation::fields::{Bound, Empty, Field, Kind, Then, Whole};

/// `apikey`: 1 to 256 characters.
const API_KEY: Field = Field::required("apikey", Kind::text(1, 256));
/// `strategy`: any string.
const STRATEGY: Field = Field::required("strategy", Kind::TEXT);
const EXCHANGE: Kind = Kind::Choice(Exchange::ACCEPTED);
const SYMBOL: Field = Field::required("symbol", Kind::TEXT);
const ORDER_ID: Field = Field::required("orderid", Kind::TEXT);

/// The `F_AND_O_EXCHANGES` list of the expiry schema, in its message order.
pub(super) const F_AND_O_NAMES: &[&str] =
    &["NFO", "BFO", "MCX", "CDS", "NCO", "BCD", "NCDEX", "CRYPTO"];

const fn quantity(bound: Bound, message: &'static str) -> Field {
    Field::required("quantity", Kind::number(bound, Whole::After, message))
}

const PRICE: Kind = Kind::number(
    Bound::NonNegative,
    Whole::No,
    "Price must be a non-negative number.",
);
const TRIGGER: Kind = Kind::number(
    Bound::NonNegative,
    Whole::No,
    "Trigger price must be a non-negative number.",
);
const DISCLOSED: Kind = Kind::number(
    Bound::NonNegative,
    Whole::Checked,
    "Disclosed quantity must be a non-negative integer.",
);

/// An order's fields: exchange, symbol, action, `quantity`, then pricetype, product, price,
/// trigger_price and disclosed_quantity, required when `$pricing` is `required`.
macro_rules! order_fields {
    ([$($head:expr),*], $quantity:expr, $pricing:ident, [$($tail:expr),*]) => {
        &[
            $($head,)*
            Field::required("exchange", EXCHANGE),
            SYMBOL,
            Field::required("action", Kind::Choice(Action::ACCEPTED)),
            $quantity,
            Field::$pricing("pricetype", Kind::Choice(PriceType::ACCEPTED)),
            Field::$pricing("product", Kind::Choice(Product::ACCEPTED)),
            Field::$pricing("price", PRICE),
            Field::$pricing("trigger_price", TRIGGER),
            Field::$pricing("disclosed_quantity", DISCLOSED),
            $($tail,)*
        ]
    };
}

const POSITIVE: Field = quantity(Bound::Positive, "Quantity must be a positive number.");

/// `placeorder`.
pub(super) const PLACE_ORDER: &[Field] = order_fields!(
    [API_KEY, STRATEGY],
    POSITIVE,
    optional,
    [Field::optional("underlying_ltp", Kind::ANY_NUMBER)]
);

/// `modifyorder`: every order field required.
pub(super) const MODIFY_ORDER: &[Field] =
    order_fields!([API_KEY, STRATEGY, ORDER_ID], POSITIVE, required, []);

/// `placesmartorder`: a quantity of zero is allowed.
pub(super) const PLACE_SMART_ORDER: &[Field] = order_fields!(
    [API_KEY, STRATEGY],
    quantity(
        Bound::NonNegative,
        "Quantity must be a non-negative number."
    ),
    optional,
    [Field::required("position_size", Kind::ANY_NUMBER)]
);

/// `splitorder`.
pub(super) const SPLIT_ORDER: &[Field] = order_fields!(
    [API_KEY, STRATEGY],
    quantity(Bound::Positive, "Total quantity must be a positive number."),
    optional,
    [Field::required(
        "splitsize",
        Kind::number(
            Bound::AtLeastOne,
            Whole::Checked,
            "Split size must be a positive integer."
        )
    )]
);

/// One `basketorder` leg.
const BASKET_LEG: &[Field] = order_fields!([], POSITIVE, optional, []);

/// `basketorder`.
pub(super) const BASKET_ORDER: &[Field] = &[
    API_KEY,
    STRATEGY,
    Field::required(
        "orders",
        Kind::Objects {
            fields: BASKET_LEG,
            min: 0,
            max: 0,
            message: "",
        },
    ),
];

/// A GTT's trigger type: `SINGLE` or `OCO` in any letter case (checked after the fields).
pub(super) const GTT_TRIGGER_TYPES: &[&str] = &["SINGLE", "OCO"];

const fn gtt_trigger(name: &'static str, message: &'static str) -> Field {
    Field::optional_empty(
        name,
        Kind::number(Bound::NonNegative, Whole::No, message),
        Empty::Blank,
    )
}

/// The fields of a GTT after `apikey`, `strategy` (and `trigger_id` for a modify).
macro_rules! gtt_fields {
    ([$($head:expr),*], [$($tail:expr),*]) => {
        &[
            $($head,)*
            Field::required("trigger_type", Kind::text_then(Then::UpperOneOf(GTT_TRIGGER_TYPES))),
            Field::required("exchange", EXCHANGE),
            SYMBOL,
            Field::required("action", Kind::Choice(Action::ACCEPTED)),
            Field::required(
                "product",
                Kind::ChoiceWith(
                    &["NRML", "CNC"],
                    "GTT supports only CNC (delivery) or NRML (overnight F&O); MIS is intraday-only.",
                ),
            ),
            POSITIVE,
            Field::optional("pricetype", Kind::Choice(&["LIMIT", "MARKET"])),
            Field::required("price", PRICE),
            gtt_trigger("triggerprice_sl", "triggerprice_sl must be non-negative."),
            gtt_trigger("triggerprice_tg", "triggerprice_tg must be non-negative."),
            Field::optional_empty("stoploss", Kind::ANY_NUMBER, Empty::BlankOrNull),
            Field::optional_empty("target", Kind::ANY_NUMBER, Empty::BlankOrNull),
            $($tail,)*
        ]
    };
}

/// `trigger_id`: at least one character (the reference sets no maximum; 4096 keeps the
/// documented body under the server's size limit and is far beyond any broker's ids).
const TRIGGER_ID: Field = Field::required(
    "trigger_id",
    Kind::text_with(1, 4096, "Shorter than minimum length 1."),
);

/// `placegttorder` (unknown keys are dropped, not refused).
pub(super) const PLACE_GTT: &[Field] = gtt_fields!(
    [API_KEY, STRATEGY],
    [Field::optional_empty(
        "expires_at",
        Kind::TEXT,
        Empty::BlankOrNull
    )]
);

/// `modifygttorder` (unknown keys are dropped, not refused).
pub(super) const MODIFY_GTT: &[Field] = gtt_fields!([API_KEY, STRATEGY, TRIGGER_ID], []);

/// `cancelgttorder`.
pub(super) const GTT_REF: &[Field] = &[API_KEY, STRATEGY, TRIGGER_ID];

/// `gttorderbook`: the key and the 2.x client's optional `status` filter.
pub(super) const GTT_BOOK: &[Field] = &[
    API_KEY,
    Field::optional("status", Kind::Folded(&["active", "all"])),
];

/// `cancelorder`, `orderstatus`.
pub(super) const ORDER_REF: &[Field] = &[API_KEY, STRATEGY, ORDER_ID];

/// `cancelallorder`, `closeposition`.
pub(super) const STRATEGY_ONLY: &[Field] = &[API_KEY, STRATEGY];

/// `openposition`: the exchange is not checked (an unknown one has no position).
pub(super) const OPEN_POSITION: &[Field] = &[
    API_KEY,
    STRATEGY,
    SYMBOL,
    Field::required("exchange", Kind::TEXT),
    Field::required("product", Kind::Choice(Product::ACCEPTED)),
];

/// Every endpoint that takes only the key.
pub(super) const KEY_ONLY: &[Field] = &[API_KEY];

/// `analyzer/toggle`.
pub(super) const ANALYZER_TOGGLE: &[Field] = &[API_KEY, Field::required("mode", Kind::Boolean)];

/// One `margin` position: quantities and prices are strings, checked by the service.
const MARGIN_LEG: &[Field] = &[
    Field::required(
        "symbol",
        Kind::text_with(1, 50, "Symbol must be between 1 and 50 characters."),
    ),
    Field::required("exchange", EXCHANGE),
    Field::required("action", Kind::Choice(Action::ACCEPTED)),
    Field::required(
        "quantity",
        Kind::text_then(Then::Number(Bound::Positive, Whole::Checked)),
    ),
    Field::required("product", Kind::Choice(Product::ACCEPTED)),
    Field::required("pricetype", Kind::Choice(PriceType::ACCEPTED)),
    Field::optional("price", Kind::text_then(Then::BlankOrNonNegative)),
    Field::optional("trigger_price", Kind::TEXT),
];

/// `margin`.
pub(super) const MARGIN: &[Field] = &[
    Field::required(
        "apikey",
        Kind::text_with(1, 256, "API key must be between 1 and 256 characters."),
    ),
    Field::required(
        "positions",
        Kind::Objects {
            fields: MARGIN_LEG,
            min: 1,
            max: 50,
            message: "Positions must contain 1 to 50 items.",
        },
    ),
];

/// `quotes`, `depth`, `symbol`.
pub(super) const SYMBOL_REQUEST: &[Field] =
    &[API_KEY, SYMBOL, Field::required("exchange", EXCHANGE)];

/// `history`: only `api` history is served.
pub(super) const HISTORY: &[Field] = &[
    API_KEY,
    SYMBOL,
    Field::required("exchange", EXCHANGE),
    Field::required("interval", Kind::Choice(Interval::ACCEPTED)),
    Field::required("start_date", Kind::Date),
    Field::required("end_date", Kind::Date),
    Field::optional("source", Kind::text_then(Then::OneOf(&["api"]))),
];

/// `search`.
pub(super) const SEARCH: &[Field] = &[
    API_KEY,
    Field::required("query", Kind::TEXT),
    Field::optional("exchange", EXCHANGE),
];

/// `expiry`: derivative exchanges only.
pub(super) const EXPIRY: &[Field] = &[
    API_KEY,
    SYMBOL,
    Field::required("exchange", Kind::Choice(F_AND_O_NAMES)),
    Field::required("instrumenttype", Kind::Choice(&["futures", "options"])),
];

/// `market/holidays`.
pub(super) const HOLIDAYS: &[Field] = &[
    API_KEY,
    Field::optional(
        "year",
        Kind::Integer {
            min: 2020,
            max: 2050,
            message: "Year must be between 2020 and 2050",
        },
    ),
];

/// `market/timings`: the date is checked by the handler (its own messages).
pub(super) const TIMINGS: &[Field] = &[
    API_KEY,
    Field::required("date", Kind::text_then(Then::Date2020To2050)),
];

/// `multiquotes`.
pub(super) const MULTIQUOTES: &[Field] = &[
    API_KEY,
    Field::required(
        "symbols",
        Kind::Objects {
            fields: &[SYMBOL, Field::required("exchange", EXCHANGE)],
            min: 1,
            max: 0,
            message: "Shorter than minimum length 1.",
        },
    ),
];

/// `GET instruments` (query parameters).
pub(super) const INSTRUMENTS: &[Field] = &[
    API_KEY,
    Field::optional("exchange", EXCHANGE),
    Field::optional("format", Kind::Folded(&["json", "csv"])),
];

/// `GET ticker/{instrument}` (query parameters; `from`/`to` arrive as start/end dates).
pub(super) const TICKER: &[Field] = &[
    API_KEY,
    Field::optional("interval", Kind::Choice(Interval::ACCEPTED)),
    Field::required("start_date", Kind::Date),
    Field::required("end_date", Kind::Date),
    Field::optional("format", Kind::TEXT),
];

const UNDERLYING: Field = Field::required("underlying", Kind::TEXT);
const EXPIRY_DATE: Field = Field::optional("expiry_date", Kind::TEXT);
const OPTION_TYPE: Field = Field::required("option_type", Kind::Choice(OptionType::ACCEPTED));
/// The deprecated arithmetic strike interval.
const STRIKE_INT: Field = Field::nullable(
    "strike_int",
    Kind::Integer {
        min: 1,
        max: 999_999_999_999_999,
        message: "Must be greater than or equal to 1.",
    },
);
const OPTION_QUANTITY: Field = Field::required(
    "quantity",
    Kind::Integer {
        min: 1,
        max: 999_999_999_999_999,
        message: "Quantity must be a positive integer.",
    },
);
const SPLIT_SIZE: Field = Field::nullable(
    "splitsize",
    Kind::Integer {
        min: 0,
        max: 999_999_999_999_999,
        message: "Split size must be a non-negative integer.",
    },
);
/// Option orders take only these products.
const OPTION_PRODUCT: Field = Field::optional("product", Kind::Choice(&["MIS", "NRML"]));
const OPTION_DISCLOSED: Field = Field::optional(
    "disclosed_quantity",
    Kind::Integer {
        min: 0,
        max: 999_999_999_999_999,
        message: "Disclosed quantity must be a non-negative integer.",
    },
);

/// `optionsorder`: the offset is not checked here (resolution refuses a bad one).
pub(super) const OPTIONS_ORDER: &[Field] = &[
    API_KEY,
    STRATEGY,
    UNDERLYING,
    Field::required("exchange", EXCHANGE),
    EXPIRY_DATE,
    STRIKE_INT,
    Field::required("offset", Kind::TEXT),
    OPTION_TYPE,
    Field::required("action", Kind::Choice(Action::ACCEPTED)),
    OPTION_QUANTITY,
    SPLIT_SIZE,
    Field::optional("pricetype", Kind::Choice(PriceType::ACCEPTED)),
    OPTION_PRODUCT,
    Field::optional("price", PRICE),
    Field::optional("trigger_price", TRIGGER),
    OPTION_DISCLOSED,
];

/// One `optionsmultiorder` leg.
const OPTIONS_LEG: &[Field] = &[
    Field::required("offset", Kind::TEXT),
    OPTION_TYPE,
    Field::required("action", Kind::Choice(Action::ACCEPTED)),
    OPTION_QUANTITY,
    SPLIT_SIZE,
    EXPIRY_DATE,
    Field::optional("pricetype", Kind::Choice(PriceType::ACCEPTED)),
    OPTION_PRODUCT,
    Field::optional("price", PRICE),
    Field::optional("trigger_price", TRIGGER),
    OPTION_DISCLOSED,
];

/// `optionsmultiorder`.
pub(super) const OPTIONS_MULTI_ORDER: &[Field] = &[
    API_KEY,
    STRATEGY,
    UNDERLYING,
    Field::required("exchange", EXCHANGE),
    EXPIRY_DATE,
    STRIKE_INT,
    Field::required(
        "legs",
        Kind::Objects {
            fields: OPTIONS_LEG,
            min: 1,
            max: 20,
            message: "Legs must contain 1 to 20 items.",
        },
    ),
];

/// `optionsymbol`: the offset's format is checked here.
pub(super) const OPTION_SYMBOL: &[Field] = &[
    API_KEY,
    Field::nullable("strategy", Kind::TEXT),
    UNDERLYING,
    Field::required("exchange", EXCHANGE),
    EXPIRY_DATE,
    STRIKE_INT,
    Field::required("offset", Kind::Offset),
    OPTION_TYPE,
];

const INTEREST_RATE: Field = Field::nullable(
    "interest_rate",
    Kind::number(
        Bound::Percent,
        Whole::No,
        "Must be greater than or equal to 0 and less than or equal to 100.",
    ),
);

/// `optionchain`.
pub(super) const OPTION_CHAIN: &[Field] = &[
    API_KEY,
    UNDERLYING,
    Field::required("exchange", EXCHANGE),
    Field::required("expiry_date", Kind::text_then(Then::NonBlank)),
    Field::nullable(
        "strike_count",
        Kind::Integer {
            min: 1,
            max: 100,
            message: "Must be greater than or equal to 1 and less than or equal to 100.",
        },
    ),
    Field::optional("with_greeks", Kind::Boolean),
    INTEREST_RATE,
];

/// `syntheticfuture`.
pub(super) const SYNTHETIC_FUTURE: &[Field] = &[
    API_KEY,
    UNDERLYING,
    Field::required("exchange", EXCHANGE),
    Field::required("expiry_date", Kind::TEXT),
];

/// `optiongreeks`.
pub(super) const OPTION_GREEKS: &[Field] = &[
    API_KEY,
    SYMBOL,
    Field::required("exchange", Kind::Choice(F_AND_O_NAMES)),
    INTEREST_RATE,
    Field::nullable(
        "forward_price",
        Kind::number(
            Bound::NonNegative,
            Whole::No,
            "Must be greater than or equal to 0.",
        ),
    ),
    Field::nullable("underlying_symbol", Kind::TEXT),
    Field::nullable("underlying_exchange", Kind::TEXT),
    Field::nullable("expiry_time", Kind::TEXT),
];

/// One `multioptiongreeks` item.
const GREEKS_ITEM: &[Field] = &[
    SYMBOL,
    Field::required("exchange", Kind::Choice(F_AND_O_NAMES)),
    Field::nullable("underlying_symbol", Kind::TEXT),
    Field::nullable("underlying_exchange", Kind::TEXT),
];

/// `multioptiongreeks`.
pub(super) const MULTI_OPTION_GREEKS: &[Field] = &[
    API_KEY,
    Field::required(
        "symbols",
        Kind::Objects {
            fields: GREEKS_ITEM,
            min: 1,
            max: 50,
            message: "Symbols must contain 1 to 50 items.",
        },
    ),
    INTEREST_RATE,
    Field::nullable("expiry_time", Kind::TEXT),
];
