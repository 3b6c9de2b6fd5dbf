/**
 * The API verticle: the route table ({@link dev.hmd.api.ApiVerticle}, one instance per event loop),
 * the SSE streams and health. The handlers themselves live with their features ({@code tenancy},
 * {@code connections}, {@code releases}, {@code notify}); this package wires them to routes. Depends
 * on the features and the shared infrastructure; nothing but {@code app} depends on it.
 */
package dev.hmd.api;
