// audit - a JavaScript component (world wasp:actor/supervised-actor): counts
// the orders published on orders.> and answers "count" requests.
import { log, reply, topic } from "wasp:actor/host@1.0.0";

let orders = 0;

export function handleMessage(msg) {
  const text = new TextDecoder().decode(msg);
  if (topic() !== undefined) {
    orders += 1;
    log("info", `order ${orders}: ${text}`);
    return 0;
  }
  if (text !== "count") return 1;
  reply(new TextEncoder().encode(String(orders)));
  return 0;
}

export const lifecycle = {
  start() {
    log("info", "auditing orders");
  },
  cleanup() {
    log("info", `${orders} orders audited`);
  },
  checkHealth() {
    return "healthy";
  },
};
