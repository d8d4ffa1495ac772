// The window's entry point: shows the vault screen. Every decision is the core's; this module
// only calls commands and shows their answers.
import { showVaultScreen } from "./screens/vault.js";

showVaultScreen();
