// Every example workflow, for the engine and the CLI (`--workflows machines`).
export { documentIngestion } from "./document-ingestion.js";
export { patientDataGathering } from "./patient-data-gathering.js";
export { approvalRouting } from "./approval-routing.js";
export { reportGeneration } from "./report-generation.js";
