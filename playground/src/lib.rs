//! The svcscope playground (a Yew app over the engine); its UI arrives with the playground issue.
