//! The size of the next request on a link that may cut long transfers: halved after each cut,
//! down to one item; a success keeps it. A link that cuts even single items a number of times
//! in a row is given up on for this sync.

/// The size rule, shared by pushes and pages.
#[derive(Debug, Clone)]
pub(super) struct Shrinking {
    size: usize,
    cuts_at_one: u32,
    give_up_after: u32,
}

impl Shrinking {
    /// Starting at `size` items (at least one); gives up after `give_up_after` cuts at one.
    pub(super) fn new(size: usize, give_up_after: u32) -> Shrinking {
        Shrinking {
            size: size.max(1),
            cuts_at_one: 0,
            give_up_after: give_up_after.max(1),
        }
    }

    /// How many items the next request may carry.
    pub(super) fn size(&self) -> usize {
        self.size
    }

    /// A request went through.
    pub(super) fn passed(&mut self) {
        self.cuts_at_one = 0;
    }

    /// A request was cut: whether to try again (smaller), or give up.
    pub(super) fn cut(&mut self) -> bool {
        if self.size <= 1 {
            self.cuts_at_one += 1;
            if self.cuts_at_one >= self.give_up_after {
                return false;
            }
        }
        self.size = (self.size / 2).max(1);
        true
    }
}
