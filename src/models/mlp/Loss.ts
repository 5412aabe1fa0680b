/**
 * The two training losses of the MLP, each with its gradient with respect to the net's output
 * (the start of the hand-written backward pass in `Network.ts`).
 *
 * Conventions (PyTorch's defaults): "mse" is the mean over batch and outputs of (out − y)²
 * (`nn.MSELoss()`); "ce" is the mean over the batch of softmax cross-entropy with integer labels
 * (`nn.CrossEntropyLoss()`), computed through a max-shifted log-softmax. Float32 tensors; targets
 * are (batch, outputs): the values for "mse", one-hot rows for "ce".
 *
 * When to use: `target` once per data set (then gather minibatch rows from it), `valueAndGradient`
 * inside a training step's `tf.tidy`, `value` for validation losses.
 */
import * as tf from "@tensorflow/tfjs"

export const kinds = ["mse", "ce"] as const
export type Kind = (typeof kinds)[number]

/**
 * The (n, outputs) float32 target tensor: `y` row-major (n × outputs) for "mse"; for "ce", `y` holds
 * n class indices 0..outputs−1 and the rows are their one-hot codes.
 */
export const target = (kind: Kind, y: ArrayLike<number>, n: number, outputs: number): tf.Tensor2D => {
  const out = new Float32Array(n * outputs)
  if (kind === "mse") {
    for (let k = 0; k < n * outputs; k++) out[k] = y[k]
  } else {
    for (let i = 0; i < n; i++) out[i * outputs + y[i]] = 1
  }
  return tf.tensor2d(out, [n, outputs])
}

/** The mean loss of outputs `out` (batch, k) against targets `t` (batch, k), a scalar tensor. */
export const value = (kind: Kind, out: tf.Tensor2D, t: tf.Tensor2D): tf.Scalar =>
  tf.tidy(() =>
    (kind === "mse" ? tf.mean(tf.squaredDifference(out, t)) : tf.neg(tf.div(tf.sum(tf.mul(t, tf.logSoftmax(out))), out.shape[0]))) as tf.Scalar
  )

/**
 * The mean loss and dLoss/dOut (batch, k):
 * mse: 2(out − y)/(batch·k); ce: (softmax(out) − onehot)/batch. Call inside `tf.tidy`.
 */
export const valueAndGradient = (kind: Kind, out: tf.Tensor2D, t: tf.Tensor2D): { readonly loss: tf.Scalar; readonly gradient: tf.Tensor2D } => {
  const [batch, k] = out.shape
  if (kind === "mse") {
    const diff = tf.sub(out, t)
    return { loss: tf.mean(tf.square(diff)) as tf.Scalar, gradient: tf.mul(diff, 2 / (batch * k)) }
  }
  const logp = tf.logSoftmax(out)
  return {
    loss: tf.neg(tf.div(tf.sum(tf.mul(t, logp)), batch)) as tf.Scalar,
    gradient: tf.div(tf.sub(tf.exp(logp), t), batch)
  }
}
