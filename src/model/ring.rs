//! Fixed-capacity history ring: allocated once, no allocation per sample, oldest overwritten.

/// One hour at the default 1 s interval.
pub const HOUR_AT_1S: usize = 3600;
/// Capacity of the history series: 24 hours at the default 1 s interval.
pub const DAY_AT_1S: usize = 86_400;

/// A ring of `Copy` values with a fixed capacity.
#[derive(Debug, Clone)]
pub struct Ring<T: Copy> {
    buf: Vec<T>,
    cap: usize,
    /// Index of the oldest element once full.
    head: usize,
    /// How many of the oldest elements came from a backfill (Prometheus), not live samples.
    backfilled: usize,
}

impl<T: Copy> Ring<T> {
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        let mut buf = Vec::with_capacity(cap);
        // Touch every page now: a day of history is then resident from the start, so the
        // process's RSS stays flat as the ring fills (a soak run can tell a leak from this).
        // One write per page is enough; the value goes through `black_box` so the compiler
        // cannot turn the writes into a zeroed allocation (calloc), whose pages stay untouched.
        let per_page = (4096 / std::mem::size_of::<T>().max(1)).max(1);
        for slot in buf.spare_capacity_mut().iter_mut().step_by(per_page) {
            *slot = std::hint::black_box(std::mem::MaybeUninit::zeroed());
        }
        Self {
            buf,
            cap,
            head: 0,
            backfilled: 0,
        }
    }

    pub fn push(&mut self, v: T) {
        if self.buf.len() < self.cap {
            self.buf.push(v);
        } else {
            self.buf[self.head] = v;
            self.head = (self.head + 1) % self.cap;
            self.backfilled = self.backfilled.saturating_sub(1);
        }
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    pub fn clear(&mut self) {
        self.buf.clear();
        self.head = 0;
        self.backfilled = 0;
    }

    /// Puts `older` (oldest first) before the current contents, keeping the newest `cap`
    /// values, and remembers how many of them are backfilled (see [`Ring::backfilled_in_tail`]).
    pub fn prepend(&mut self, older: &[T]) {
        let live: Vec<T> = self.iter().copied().collect();
        let keep_live = live.len().min(self.cap);
        let keep_old = older.len().min(self.cap - keep_live);
        self.buf.clear();
        self.head = 0;
        self.buf.extend_from_slice(&older[older.len() - keep_old..]);
        self.buf.extend_from_slice(&live[live.len() - keep_live..]);
        self.backfilled = keep_old;
    }

    /// How many of the oldest of [`Ring::tail`]`(n)` are backfilled.
    pub fn backfilled_in_tail(&self, n: usize) -> usize {
        let skip = self.len().saturating_sub(n);
        self.backfilled.saturating_sub(skip)
    }

    /// Oldest to newest.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone {
        let (newer, older) = self.buf.split_at(self.head);
        older.iter().chain(newer.iter())
    }

    /// The newest value.
    pub fn last(&self) -> Option<&T> {
        if self.buf.is_empty() {
            None
        } else if self.head == 0 {
            self.buf.last()
        } else {
            self.buf.get(self.head - 1)
        }
    }

    /// The newest `n` values, oldest first.
    pub fn tail(&self, n: usize) -> Vec<T> {
        let skip = self.len().saturating_sub(n);
        self.iter().skip(skip).copied().collect()
    }

    /// The newest `n` values, oldest first, widened to `u64` (the compact series store
    /// `u32`/`u16`; the view speaks `u64`).
    pub fn tail_u64(&self, n: usize) -> Vec<u64>
    where
        T: Into<u64>,
    {
        let skip = self.len().saturating_sub(n);
        self.iter().skip(skip).map(|v| (*v).into()).collect()
    }

    /// Newest first.
    pub fn iter_rev(&self) -> impl Iterator<Item = &T> {
        self.iter().rev()
    }

    /// Bytes held by the buffer (for the memory budget).
    pub fn heap_bytes(&self) -> usize {
        self.cap * std::mem::size_of::<T>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_keeps_order() {
        let mut r = Ring::new(3);
        for i in 1..=5 {
            r.push(i);
        }
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(r.last(), Some(&5));
        assert_eq!(r.tail(2), vec![4, 5]);
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn prepend_marks_the_seam_and_it_moves_out() {
        let mut r = Ring::new(4);
        r.push(10);
        r.prepend(&[1, 2, 3, 4, 5]);
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), vec![3, 4, 5, 10]);
        assert_eq!((r.backfilled_in_tail(4), r.backfilled_in_tail(2)), (3, 1));
        r.push(11);
        assert_eq!(r.tail(4), vec![4, 5, 10, 11]);
        assert_eq!(r.backfilled_in_tail(4), 2);
        r.clear();
        assert_eq!(r.backfilled_in_tail(4), 0);
    }

    #[test]
    fn capacity_is_bounded() {
        let mut r = Ring::new(HOUR_AT_1S);
        for i in 0..100_000u64 {
            r.push(i);
        }
        assert_eq!(r.len(), HOUR_AT_1S);
        assert_eq!(r.iter().next(), Some(&(100_000 - 3600)));
    }
}
