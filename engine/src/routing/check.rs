//! The router's invariants, checked against its whole state (tests only).

use super::router::Phase;
use super::*;
use crate::model::ChatId;

#[cfg(test)]
impl Router {
    /// Every invariant the router promises, checked against its whole state.
    pub(crate) fn check(&self) -> Result<(), String> {
        for (id, agent) in &self.agents {
            if agent.load() > agent.max_chats {
                return Err(format!(
                    "operator {id} holds {} with max {}",
                    agent.load(),
                    agent.max_chats
                ));
            }
            for chat in &agent.offers {
                let routed = self
                    .chats
                    .get(chat)
                    .ok_or(format!("operator {id} offered unknown chat {chat}"))?;
                if !serves(*id, agent, &self.target_of(routed)) {
                    return Err(format!(
                        "chat {chat} offered to operator {id} who does not serve it"
                    ));
                }
                match &routed.phase {
                    Phase::Waiting { offered, .. } if offered.contains(id) => {}
                    other => {
                        return Err(format!(
                            "operator {id} has an offer of {chat} which is {other:?}"
                        ))
                    }
                }
            }
            for chat in &agent.open {
                match self.chats.get(chat).map(|r| &r.phase) {
                    Some(Phase::Connected { operator, .. }) if operator == id => {}
                    other => return Err(format!("operator {id} holds {chat} which is {other:?}")),
                }
            }
        }
        let mut last = (0, 0);
        for chat in &self.queue {
            let routed = self
                .chats
                .get(chat)
                .ok_or(format!("queued chat {chat} unknown"))?;
            if routed.order <= last {
                return Err(format!("queue out of order at chat {chat}"));
            }
            last = routed.order;
            match &routed.phase {
                Phase::Waiting { offered, .. } if offered.is_empty() => {}
                other => return Err(format!("queued chat {chat} is {other:?}")),
            }
        }
        for (chat, routed) in &self.chats {
            match &routed.phase {
                Phase::Waiting { offered, .. } => {
                    let queued = self.queue.contains(chat);
                    if queued != offered.is_empty() {
                        return Err(format!(
                            "waiting chat {chat}: queued {queued}, offered to {offered:?}"
                        ));
                    }
                    for op in offered {
                        if !self.agents.get(op).is_some_and(|a| a.offers.contains(chat)) {
                            return Err(format!(
                                "chat {chat} offered to {op} who does not know it"
                            ));
                        }
                    }
                }
                Phase::Connected { operator, .. } => {
                    if !self
                        .agents
                        .get(operator)
                        .is_some_and(|a| a.open.contains(chat))
                    {
                        return Err(format!(
                            "chat {chat} connected to {operator} who does not hold it"
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether `chat` is still waiting (offered or queued).
    pub(crate) fn is_waiting(&self, chat: ChatId) -> bool {
        self.chats
            .get(&chat)
            .is_some_and(|r| matches!(r.phase, Phase::Waiting { .. }))
    }
}
