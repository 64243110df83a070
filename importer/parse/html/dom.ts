import {JSDOM, VirtualConsole} from 'jsdom'

// The DOM every step of reading a saved page shares.

type Window = JSDOM['window']

let sharedWindow: Window | undefined

/**
 * One script-less window for every page: creating a jsdom window costs far more than parsing a
 * page with its DOMParser, and DOMParser documents never run scripts or load anything.
 */
export function domWindow(): Window {
  sharedWindow ??= new JSDOM('', {virtualConsole: new VirtualConsole()}).window
  return sharedWindow
}

export function isElement(node: Node): node is Element {
  return node.nodeType === node.ELEMENT_NODE
}

export function isText(node: Node): node is Text {
  return node.nodeType === node.TEXT_NODE
}
