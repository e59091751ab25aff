use crate::support::*;
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timing() {
    let t = std::time::Instant::now();
    let server = start_server().await;
    println!("start {:?}", t.elapsed());
    let c = server.new_company("Acme").await;
    println!("signup {:?}", t.elapsed());
    let op = server.new_operator(&c, "100", serde_json::json!({})).await;
    println!("op {:?} {:?}", t.elapsed(), op);
}
