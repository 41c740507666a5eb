//! The example (examples/echo.rs) runs: its source is compiled into this
//! binary and its `run` called, which is the example's whole logic (its
//! `main` only prints). No `cargo run` from a test, and no guessing where a
//! built example binary lies.

#[allow(dead_code)]
#[path = "../../examples/echo.rs"]
mod example;

#[test]
fn echo_example() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let echoed = runtime.block_on(example::run(b"ping")).unwrap();
    assert_eq!(echoed.reply, b"ping");
    assert_eq!(echoed.server_seen_by_client, echoed.server);
    assert_eq!(echoed.client_seen_by_server, echoed.client);
    assert!(echoed.server.ends_with(".echo-server") && echoed.client.ends_with(".echo-client"));
}
