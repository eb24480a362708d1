// LSTM and GRU cells: one direction of one recurrent layer over a padded minibatch, forward and
// backward (BPTT), with PyTorch's equations and gate order so that weights carry over as they
// are (tests/rnn_torch_test.cc):
//   LSTM  [i f g o] = [s s tanh s](W x_t + U h_{t-1} + b)
//         c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
//   GRU   r = s(W_r x_t + b_r + U_r h_{t-1} + c_r),  z = s(W_z x_t + b_z + U_z h_{t-1} + c_z)
//         n = tanh(W_n x_t + b_n + r * (U_n h_{t-1} + c_n)),   h_t = (1 - z) * n + z * h_{t-1}
// (s the logistic function; the LSTM's single bias b is PyTorch's b_ih + b_hh, the GRU keeps
// both because r multiplies the hidden part).
//
// Layout: a sequence batch of B examples and T steps is a matrix with one column per (t, b) at
// column t * B + b (time-major), so step t is the contiguous block of B columns. The input
// projections of all steps are ONE product W * X (G*H x T*B); each step adds only U * h_{t-1};
// backward forms the gate gradients of all steps and then dW, dU and dX as one product each.
// Padding: where mask[t*B+b] is 0 the state is carried unchanged (h_t = h_{t-1}), so the
// forward direction's output at the last column is each example's last state and the reverse
// direction starts every example from zero at its own last token.
#ifndef WORDMILL_EMBEDDINGS_RNN_CELLS_H_
#define WORDMILL_EMBEDDINGS_RNN_CELLS_H_

#include <string>

#include "embeddings/rnn_params.h"

namespace wordmill {

enum class CellKind { kLstm, kGru };

// Gates per cell: 4 (LSTM) or 3 (GRU).
inline int GateCount(CellKind kind) { return kind == CellKind::kLstm ? 4 : 3; }

// The blocks of one direction of one layer in a ParamLayout: w (G*H x input), u (G*H x H),
// b (G*H x 1) and, for the GRU, bh (G*H x 1; -1 for the LSTM). Named as PyTorch names them,
// `weight_ih` + suffix (suffix `_l0`, `_l0_reverse`, ...); the LSTM's one bias is `bias` +
// suffix.
struct CellBlocks {
  int w = -1, u = -1, b = -1, bh = -1;
};
CellBlocks AddCellBlocks(ParamLayout* layout, CellKind kind, int input, int hidden,
                         const std::string& suffix);

// One direction of one layer, with the buffers of its last forward pass (kept for backward and
// reused across minibatches: nothing is allocated per step, and per minibatch only when a
// longer one than ever before comes).
class RecurrentLayer {
 public:
  RecurrentLayer(CellKind kind, int input, int hidden, bool reverse, CellBlocks blocks,
                 const ParamLayout* layout);

  // x: input x (steps*batch); mask: steps*batch values 1 (token) or 0 (padding).
  void Forward(const float* params, const Eigen::Ref<const RnnMatrix>& x, const float* mask,
               int steps, int batch);
  // hidden x (steps*batch) of the last Forward (only the leftCols(steps*batch) are valid).
  const RnnMatrix& output() const { return h_; }

  // dh: the loss's gradient w.r.t. output() (hidden x steps*batch). Adds the parameter
  // gradients into `grads` (laid out as the parameters) and, when dx is not null, the input
  // gradient into the first steps*batch columns of *dx. x and mask must be those of the last
  // Forward.
  void Backward(const float* params, const Eigen::Ref<const RnnMatrix>& x, const float* mask,
                const Eigen::Ref<const RnnMatrix>& dh, float* grads, RnnMatrix* dx);

  int hidden() const { return hidden_; }
  bool reverse() const { return reverse_; }

 private:
  // Column block of step t.
  int64_t Col(int t) const { return static_cast<int64_t>(t) * batch_; }
  void ForwardLstmStep(int t, int prev, const float* mask);
  void ForwardGruStep(int t, int prev, const float* mask, const float* params);
  void BackwardLstmStep(int t, int prev, const float* mask);
  void BackwardGruStep(int t, int prev, const float* mask);

  const CellKind kind_;
  const int input_, hidden_, gates_;
  const bool reverse_;
  const CellBlocks blocks_;
  const ParamLayout* layout_;
  int steps_ = 0, batch_ = 0;
  RnnMatrix a_;             // G*H x T*B: gate activations (after the nonlinearities)
  RnnMatrix c_;             // LSTM: H x T*B cell states
  RnnMatrix hn_;            // GRU: H x T*B, U_n h_{t-1} + c_n
  RnnMatrix h_;             // H x T*B outputs
  RnnMatrix dg_;            // G*H x T*B gradients of the gate pre-activations (input side)
  RnnMatrix dgh_;           // GRU: the same for the hidden side (the n rows differ by the factor r)
  RnnMatrix step_;          // G*H x B scratch for U * h_{t-1}
  RnnMatrix dh_next_;       // H x B gradient flowing to h_{t-1}
  RnnMatrix dc_next_;       // H x B gradient flowing to c_{t-1}
  RnnMatrix zeros_;         // H x B zero state
  Eigen::ArrayXf scratch_;  // H values of one column (sized once, not per step)
};

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_RNN_CELLS_H_
