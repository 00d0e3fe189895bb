//! Action overlays: the palette (`a`), the dialogs (input, choice, confirmation, message) and
//! the bottom panel (action output or timeline).

use ratatui::Frame;

use super::theme::Theme;
use crate::model::actions_view::ActionsView;

/// Draws whatever action overlay is open, over the dashboard.
pub fn render(frame: &mut Frame, view: &ActionsView, theme: Theme) {
    let _ = (frame, view, theme);
}
