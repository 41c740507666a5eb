//! Fills a store with N Ed25519 identities, in transactions of 1,000, for
//! the benchmarks (`scripts/bench_store.py`).
//!
//! Usage: `cargo run --release --example fill_store -- DIR N`

use peerid::{Classifier, CreateOptions, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n)) = (args.next(), args.next()) else {
        return Err("usage: fill_store DIR N".into());
    };
    let n: usize = n.parse()?;
    let store = Store::open(&dir)?;
    let mut done = store.list()?.len();
    while done < n {
        let batch: Vec<CreateOptions> = (done..n.min(done + 1000))
            .map(|i| {
                Ok(CreateOptions {
                    classifier: Classifier::new(&format!("bench{i}"))?,
                    ..Default::default()
                })
            })
            .collect::<peerid::Result<_>>()?;
        done += store.create_batch(&batch)?.len();
    }
    println!("{done}");
    Ok(())
}
