/**
 * One running service process: {@link dev.hmd.app.Service} opens the database (configured or
 * embedded), migrates it, builds every part once and deploys the verticles in order;
 * {@link dev.hmd.app.Retention} deletes old rows. The only package that knows all the others: it
 * may depend on any package except {@code cli}, {@code bench} and {@code sim}.
 */
package dev.hmd.app;
