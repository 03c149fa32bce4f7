// @ts-check
/** Small DOM and JSON helpers of the chat page. */

/**
 * Creates an element with a class name and text content.
 * @param {string} tag
 * @param {string} [cls]
 * @param {unknown} [text]
 * @returns {any}
 */
export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/**
 * Parses JSON, or returns `fallback` for empty or malformed text.
 * @param {string | null | undefined} text
 * @param {any} fallback
 * @returns {any}
 */
export function parseJson(text, fallback) {
  try {
    return text ? JSON.parse(text) : fallback;
  } catch (_e) {
    return fallback;
  }
}
