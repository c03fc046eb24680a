"""The per-host agent: discovers phones, drives them through screen control, reports."""
