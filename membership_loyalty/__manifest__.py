{
    "name": "Membership & Loyalty",
    "summary": "Membership cards, tiers, points and a stored-value wallet at the Point of Sale",
    "version": "19.0.0.1.0",
    "category": "Sales/Point of Sale",
    "author": "membership_loyalty",
    "website": "https://github.com/membership-loyalty/membership_loyalty",
    "license": "LGPL-3",
    "application": True,
    "depends": [
        "account",
        "loyalty",
        "phone_validation",
        "point_of_sale",
        "sms",
        "stock",
    ],
    "data": [
        "security/membership_loyalty_groups.xml",
        "views/membership_loyalty_menus.xml",
        "views/res_config_settings_views.xml",
        "security/ir.model.access.csv",
        "security/membership_ledger_security.xml",
        "views/membership_ledger_views.xml",
        "views/membership_earn_views.xml",
        "views/membership_reward_views.xml",
        "views/membership_ledger_settings_views.xml",
        "data/membership_ledger_data.xml",
    ],
    "demo": [
        "demo/membership_loyalty_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "membership_loyalty/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
