//! The signed-in leader every store benchmark seeds its phone with (王局长 of 山西省农业农村厅).
//! Examples share no library, so each benchmark program includes this file with `#[path]`.

use qianpi_core::model::Identity;
use qianpi_core::store::Account;

/// The leader's user id.
pub const ME: &str = "wang";

/// The leader's account as activation would store it.
pub fn account() -> Account {
    Account {
        server_url: "https://oa.example.gov.cn/".into(),
        device_id: "dev-bench".into(),
        identity: Identity {
            user_id: ME.into(),
            name: "王局长".into(),
            post: "副厅长".into(),
            unit_id: "sx-nyt".into(),
        },
        unit_name: "山西省农业农村厅".into(),
        request_key_id: "dk_bench".into(),
        approval_key_id: "ak_bench".into(),
        access_token: "token".into(),
        gateway_key: None,
    }
}
