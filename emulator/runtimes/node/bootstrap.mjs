// Lambda Runtime API client for Node.js handlers (placeholder until written).
