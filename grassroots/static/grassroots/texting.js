// P2P texting: the Send button has the focus when the screen opens and after each text, so
// Enter sends the message on screen (one key per message). Only the Send button sends: Enter
// on a link or another button (Skip, the breadcrumb, the menu, Sign out) does what that control
// says, and Enter anywhere else does nothing.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  const button = event.target && event.target.closest ? event.target.closest("#send-button") : null;
  if (!button) return;
  // holding the key down does not send a stream of texts (nor the next person's text)
  if (event.repeat || button.disabled) event.preventDefault();
});
function focusSend() {
  const button = document.getElementById("send-button");
  if (button) button.focus();
}
// not the autofocus attribute: htmx focuses [autofocus] again when the swap settles (20 ms
// later), which took the focus away from a control the user had moved to, so Enter there sent.
document.addEventListener("htmx:afterSwap", focusSend);
document.addEventListener("DOMContentLoaded", focusSend);
