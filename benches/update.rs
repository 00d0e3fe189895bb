//! `update()` of one sample into a target that already holds 1 h and 24 h of history, and the
//! view built from it for a 200-column screen (what the TUI does per sample).

use std::time::{Duration, Instant, SystemTime};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use redtriage::model::fastforward;
use redtriage::model::state::{State, update};
use redtriage::msg::Msg;
use redtriage::target::Thresholds;

fn bench_update(c: &mut Criterion) {
    let step = Duration::from_secs(1);
    for (label, n) in [("1h", 3_600u64), ("24h", 86_400)] {
        let t0 = Instant::now();
        let mut state = State::new(
            &[redtriage::target::Target::local_default()],
            Thresholds::default(),
            t0,
        );
        fastforward::feed(&mut state, t0, step, n);
        let wall0 = SystemTime::now();
        let mut i = n;
        c.bench_function(&format!("update one sample, {label} history"), |b| {
            b.iter_batched(
                || {
                    i += 1;
                    fastforward::sample(t0, wall0, step, i)
                },
                |s| {
                    update(
                        &mut state,
                        Msg::Sample {
                            target: 0,
                            sample: Box::new(s),
                        },
                    )
                },
                BatchSize::SmallInput,
            );
        });
        c.bench_function(&format!("view 200 cols, {label} history"), |b| {
            b.iter(|| state.view(std::hint::black_box(200)));
        });
    }
}

criterion_group!(benches, bench_update);
criterion_main!(benches);
