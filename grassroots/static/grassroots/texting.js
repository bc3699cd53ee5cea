// P2P texting: Enter sends the message on screen (one key per message), unless you are typing.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) return;
  const target = event.target;
  if (target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.isContentEditable)) return;
  const button = document.getElementById("send-button");
  if (!button || button.disabled) return;
  event.preventDefault();
  if (event.repeat) return; // holding the key down does not send a stream of texts
  button.click();
});
document.addEventListener("htmx:afterSwap", () => {
  const button = document.getElementById("send-button");
  if (button) button.focus();
});
