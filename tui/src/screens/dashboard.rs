//! At a glance: where the client is connected (the address in use and, in a cluster, the
//! node serving the company), chats per hour (from the history's `created_at`), the queue
//! over time (from `queue` events), the operators' load (status, open chats against their
//! limit) and the visitors on the site.

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Chart, Dataset, GraphType, Paragraph, Sparkline, Widget,
};

use super::{accent, bold, dim, one_line, pane, presence_style, warn};
use switchboard_api as api;

use crate::app::State;
use crate::time;

/// Samples kept per series: two hours at one a minute.
const SAMPLES: usize = 120;

/// How far back the queue chart looks, in ms.
const QUEUE_WINDOW_MS: u64 = 30 * 60_000;

/// Samples are taken this often (ms) even when nothing changes, so the charts reach now.
const SAMPLE_EVERY_MS: u64 = 60_000;

/// The dashboard's series.
#[derive(Clone, Debug, Default)]
pub struct Dashboard {
    /// Queue length over time: (Unix ms, chats waiting), oldest first.
    pub queue: VecDeque<(u64, usize)>,
    /// The last queue length the server told.
    pub queue_len: usize,
    /// Visitors on the site over time: (Unix ms, count), oldest first.
    pub visitors: VecDeque<(u64, usize)>,
    /// The company's latest chats (`GET /v1/chats`), for chats per hour.
    pub chats: Vec<api::Chat>,
}

/// Keeps a series to [`SAMPLES`].
fn push(series: &mut VecDeque<(u64, usize)>, at: u64, value: usize) {
    if series.len() == SAMPLES {
        series.pop_front();
    }
    series.push_back((at, value));
}

/// A `queue` event.
pub fn queue(state: &mut State, length: usize) {
    state.dashboard.queue_len = length;
    push(&mut state.dashboard.queue, state.now_ms, length);
}

/// A tick: a sample a minute keeps the series reaching now.
pub fn sample(state: &mut State) {
    let now = state.now_ms;
    let d = &mut state.dashboard;
    if d.visitors
        .back()
        .is_none_or(|(at, _)| now >= at + SAMPLE_EVERY_MS)
    {
        push(&mut d.visitors, now, state.visitors.list.len());
    }
    if d.queue
        .back()
        .is_none_or(|(at, _)| now >= at + SAMPLE_EVERY_MS)
    {
        push(&mut d.queue, now, d.queue_len);
    }
}

/// The operator list changed (nothing to derive; kept for symmetry with other loads).
pub fn operators_loaded(_state: &mut State) {}

/// Chats started in each of the last 24 hours of the company's clock, oldest first, with
/// the hour's number.
pub fn chats_per_hour(state: &State) -> Vec<(u8, u64)> {
    let (this_hour, hour) = time::hour_start(state.now_ms, &state.tz);
    let start = this_hour.saturating_sub(23 * 3_600_000);
    let mut counts = vec![0u64; 24];
    for chat in &state.dashboard.chats {
        if chat.created_at >= start && chat.created_at < this_hour + 3_600_000 {
            let i = ((chat.created_at - start) / 3_600_000) as usize;
            counts[i.min(23)] += 1;
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| (((u32::from(hour) + 1 + i as u32) % 24) as u8, n))
        .collect()
}

/// The dashboard.
pub struct View<'a>(pub &'a State);

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = self.0;
        let [route, area] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        route_line(state).render(route, buf);
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
        let [hours, queue_area] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
        let [load, site] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(bottom);
        chats_chart(state, hours, buf);
        queue_chart(state, queue_area, buf);
        load_chart(state, load, buf);
        visitors_chart(state, site, buf);
    }
}

/// Where the client is connected: "Served by node n2 (via http://…)" once an answer named
/// the company's node, otherwise (a server outside a cluster) only the address in use.
fn route_line(state: &State) -> Line<'static> {
    let address = one_line(&state.route.address, 48);
    match &state.route.node {
        Some(node) => Line::from(vec![
            Span::styled(" Served by node ", dim()),
            Span::styled(one_line(node, 24), accent().add_modifier(Modifier::BOLD)),
            Span::styled(format!(" (via {address})"), dim()),
        ]),
        None => Line::from(vec![Span::styled(" Server ", dim()), Span::raw(address)]),
    }
}

/// Chats per hour, a bar per hour.
fn chats_chart(state: &State, area: Rect, buf: &mut Buffer) {
    let data = chats_per_hour(state);
    let total: u64 = data.iter().map(|(_, n)| n).sum();
    let block = pane(&format!("Chats per hour · {total} in 24 h"), false);
    let inner = block.inner(area);
    block.render(area, buf);
    // All 24 hours must fit, the current one last: bars touch when a gap does not fit.
    let per_hour = inner.width / 24;
    let (bar_width, gap) = if per_hour >= 2 {
        (per_hour - 1, 1)
    } else {
        (1, 0)
    };
    let labelled = bar_width >= 2;
    let bars: Vec<Bar> = data
        .iter()
        .map(|(hour, n)| {
            let bar = Bar::default()
                .value(*n)
                .style(accent())
                .value_style(accent().add_modifier(Modifier::REVERSED));
            if labelled {
                bar.label(Line::from(format!("{hour:02}")))
            } else {
                bar
            }
        })
        .collect();
    let chart = BarChart::default()
        .data(BarGroup::default().bars(&bars))
        .bar_width(bar_width)
        .bar_gap(gap);
    let [chart_area, axis] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(u16::from(!labelled))])
            .areas(inner);
    chart.render(chart_area, buf);
    if !labelled {
        // The axis spans exactly the bars: the first hour under the first, "now" ending
        // under the last.
        let span = usize::from(24 * bar_width + 23 * gap);
        let first = data.first().map_or(0, |(h, _)| *h);
        let text = format!("{first:02}h{}now", " ".repeat(span.saturating_sub(6)));
        Paragraph::new(Span::styled(text, dim())).render(axis, buf);
    }
}

/// Queue length over the last half hour, as steps.
fn queue_chart(state: &State, area: Rect, buf: &mut Buffer) {
    let d = &state.dashboard;
    let from = state.now_ms.saturating_sub(QUEUE_WINDOW_MS);
    let minutes = |ms: u64| -((state.now_ms.saturating_sub(ms)) as f64 / 60_000.0);
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut level = d
        .queue
        .iter()
        .take_while(|(at, _)| *at < from)
        .last()
        .map_or(0, |(_, n)| *n);
    points.push((-30.0, level as f64));
    for (at, n) in d.queue.iter().filter(|(at, _)| *at >= from) {
        points.push((minutes(*at), level as f64));
        level = *n;
        points.push((minutes(*at), level as f64));
    }
    points.push((0.0, d.queue_len as f64));
    let top = points.iter().map(|p| p.1).fold(1.0, f64::max).ceil();
    let title = format!("Queue · {} waiting", d.queue_len);
    let dataset = Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(warn())
        .data(&points);
    let chart = Chart::new(vec![dataset])
        .block(pane(&title, false))
        .x_axis(
            Axis::default()
                .bounds([-30.0, 0.0])
                .labels(["-30m", "-15m", "now"])
                .style(dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .labels(["0".to_string(), format!("{top}")])
                .style(dim()),
        );
    chart.render(area, buf);
}

/// Operators online and their load: a horizontal bar of open chats per operator.
fn load_chart(state: &State, area: Rect, buf: &mut Buffer) {
    let takers: Vec<_> = state.operators.iter().filter(|o| o.sip.is_some()).collect();
    let online = takers
        .iter()
        .filter(|o| o.status == api::Status::Online)
        .count();
    let block = pane(
        &format!("Operators · {online} online of {}", takers.len()),
        false,
    );
    let inner = block.inner(area);
    block.render(area, buf);
    if takers.is_empty() {
        Paragraph::new(Span::styled("No operators loaded.", dim())).render(inner, buf);
        return;
    }
    let max = takers
        .iter()
        .map(|o| u64::from(o.max_chats))
        .max()
        .unwrap_or(1)
        .max(1);
    let bars: Vec<Bar> = takers
        .iter()
        .map(|o| {
            let style: Style = presence_style(o.status);
            let label = format!(
                "{:<10} {:<7}",
                one_line(&o.name, 10),
                one_line(o.status.name(), 7)
            );
            Bar::default()
                .label(Line::from(label))
                .value(u64::from(o.open_chats))
                .text_value(format!("{}/{}", o.open_chats, o.max_chats))
                .style(style)
                .value_style(style.add_modifier(Modifier::REVERSED))
        })
        .collect();
    BarChart::default()
        .direction(Direction::Horizontal)
        .data(BarGroup::default().bars(&bars))
        .bar_width(1)
        .bar_gap(0)
        .max(max)
        .render(inner, buf);
}

/// Visitors on the site now, and over the last two hours.
fn visitors_chart(state: &State, area: Rect, buf: &mut Buffer) {
    let now = state.visitors.list.len();
    let chatting = state
        .visitors
        .list
        .iter()
        .filter(|v| v.chat_id.is_some())
        .count();
    let block = pane("Visitors on site", false);
    let inner = block.inner(area);
    block.render(area, buf);
    let [text, spark] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    Paragraph::new(vec![
        Line::from(vec![
            Span::styled(format!("{now}"), bold().patch(accent())),
            Span::raw(" on the site now"),
        ]),
        Line::from(Span::styled(format!("{chatting} chatting"), dim())),
    ])
    .render(text, buf);
    let width = usize::from(spark.width);
    let data: Vec<u64> = state
        .dashboard
        .visitors
        .iter()
        .map(|(_, n)| *n as u64)
        .collect();
    let data = &data[data.len().saturating_sub(width)..];
    Sparkline::default()
        .data(data)
        .style(accent())
        .render(spark, buf);
}
