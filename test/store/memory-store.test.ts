import { memoryStore } from "../../src/index.js";
import { storeContract } from "./contract.js";

storeContract("memoryStore", async () => memoryStore());
