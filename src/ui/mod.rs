//! Rendering: one function per pane, drawing a [`crate::model::view::Snapshot`].
