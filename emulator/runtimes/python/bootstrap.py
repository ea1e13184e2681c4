#!/usr/bin/env python3
# Lambda Runtime API client for Python handlers (placeholder until written).
