//! A flow stored by a gateway from before instances were stored deflated is converted when the
//! newer gateway starts on that database, and the leader's approval of it from his phone is
//! decided on the converted instance: accepted, the flow moves on, and it stays stored deflated.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used)]

use qianpi_core::model::Attitude;
use qianpi_core::workflow::InstanceState;
use qianpi_gateway::admin::{demo, describe_instance};
use qianpi_gateway::db::encode;
use qianpi_gateway::instances::load_instance;
use qianpi_gateway::sql::args;
use qianpi_tests::Harness;

#[tokio::test]
async fn an_approval_is_decided_on_an_instance_converted_at_start() {
    let mut harness = Harness::start().await.unwrap();
    let phone = harness
        .activated_phone("leader-phone", demo::LEADER)
        .await
        .unwrap();
    phone.client.sync().await.unwrap();
    let task = phone.client.inbox().unwrap()[0].task_id.clone();

    // The flow's instance row as gateways wrote it before: its JSON in `body`.
    harness.stop_gateway().await.unwrap();
    let unconverted = "SELECT COUNT(*) FROM instances WHERE body <> ''";
    let plain = harness
        .db
        .tx(move |sql| {
            let flow = load_instance(sql, demo::INSTANCE, false)?.unwrap();
            sql.execute(
                "UPDATE instances SET body = ?2, packed = NULL WHERE id = ?1",
                args![demo::INSTANCE, encode(&flow.instance)?],
            )?;
            Ok(sql.query_one(unconverted, args![])?.int(0)?)
        })
        .await
        .unwrap();
    assert_eq!(plain, 1);

    harness.restart_gateway().await.unwrap();
    let left = harness
        .db
        .tx(move |sql| Ok(sql.query_one(unconverted, args![])?.int(0)?))
        .await
        .unwrap();
    assert_eq!(left, 0, "the gateway converts the row at start");

    phone
        .client
        .approve(&task, Attitude::Agree, "同意，请抓紧落实。")
        .unwrap();
    let report = phone.client.sync().await.unwrap();
    assert_eq!((report.pushed, report.accepted, report.refused), (1, 1, 0));
    let summary = describe_instance(&harness.db, demo::INSTANCE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.version, 2);
    assert_eq!(summary.state, InstanceState::Running);
    assert_eq!(summary.current_node.as_deref(), Some("承办"));
    let still = harness
        .db
        .tx(move |sql| Ok(sql.query_one(unconverted, args![])?.int(0)?))
        .await
        .unwrap();
    assert_eq!(still, 0, "the decided instance is stored deflated");
}
