// A Manager imports members from a CSV file, opened from the Members menu (see tests/test_member_import_tour.py): the
// dry run lists the errors of a first file, a corrected file checks clean and imports.
import { registry } from "@web/core/registry";

const HEADER = "ref,name,phone,country,card,tier,points,wallet";

function upload(anchor, name, lines) {
    // What the browser does when a user picks a file: the field's file input gets it.
    const input = anchor.querySelector("input[type=file]");
    const transfer = new DataTransfer();
    transfer.items.add(new File([[HEADER, ...lines].join("\n")], name, { type: "text/csv" }));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

registry.category("web_tour.tours").add("membership_loyalty_member_import", {
    steps: () => [
        {
            content: "open the Members menu",
            trigger: ".o_main_navbar button:contains(Members)",
            run: "click",
        },
        {
            content: "open Import Members",
            trigger: ".dropdown-menu .dropdown-item:contains(Import Members)",
            run: "click",
        },
        {
            content: "upload a file with a negative balance and a bad phone",
            trigger: ".modal .o_field_widget[name=file]",
            run() {
                upload(this.anchor, "members.csv", [
                    "TOUR-1,Tess Tour,0470 11 22 33,BE,,,-5,",
                    "TOUR-2,Ugo Tour,12,BE,,,,",
                ]);
            },
        },
        {
            content: "the file is loaded",
            trigger: ".o_field_widget[name=file] input[type=text]:value(members.csv)",
        },
        { trigger: "button[name=action_check]", run: "click" },
        {
            content: "the dry run names the negative balance",
            trigger: ".o_membership_import_issues .o_data_row:contains(Negative balance)",
        },
        {
            content: "and the phone with its country",
            trigger: ".o_membership_import_issues .o_data_row:contains(Belgium)",
        },
        {
            content: "no Import button while the file has errors",
            trigger: ".modal-footer:not(:has(button[name=action_import]))",
        },
        {
            content: "upload the corrected file",
            trigger: ".o_field_widget[name=file]",
            run() {
                upload(this.anchor, "members-fixed.csv", [
                    "TOUR-1,Tess Tour,0470 11 22 33,BE,,,5,",
                    "TOUR-2,Ugo Tour,+32 470 44 55 66,BE,,,,",
                ]);
            },
        },
        {
            content: "the corrected file is loaded",
            trigger: ".o_field_widget[name=file] input[type=text]:value(members-fixed.csv)",
        },
        { trigger: "button[name=action_check]", run: "click" },
        { content: "the dry run finds no error", trigger: ".alert-info:contains(No errors)" },
        { trigger: "button[name=action_import]", run: "click" },
        { content: "imported", trigger: ".alert-success:contains(Imported)" },
    ],
});
