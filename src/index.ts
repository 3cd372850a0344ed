import { createHubSalesApp } from "./app/hub-sales-app.js";

/** `probot run ./dist/src/index.js` loads this: the app configured from the environment. */
export default createHubSalesApp();
export { createHubSalesApp };
