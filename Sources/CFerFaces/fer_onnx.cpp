// ONNX models through OpenCV's DNN module (Debian's libopencv-dnn-dev), behind fer_faces.h's C
// interface: every call is guarded, no C++ exception reaches Swift.
#include "fer_faces.h"
#include "fer_guard.hpp"

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <cstring>

using namespace fer;

struct fer_onnx_model {
    cv::dnn::Net net;
};

extern "C" fer_onnx_model *fer_onnx_open(const char *path, char *message, size_t message_capacity) {
    fer_onnx_model *model = nullptr;
    const int status = guarded("unknown error loading the ONNX model", message, message_capacity, [&]() -> int {
        if (!path) {
            say(message, message_capacity, "no model file given");
            return unsupported;
        }
        // OpenCV logs a model's errors to stderr as well as throwing them; ferdata says them once, in its own line.
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
        // ferdata runs one network per core on threads of its own: OpenCV's threads inside each would
        // only compete with them.
        cv::setNumThreads(1);
        model = new fer_onnx_model();
        model->net = cv::dnn::readNetFromONNX(path);
        if (model->net.empty()) {
            say(message, message_capacity, "OpenCV read no network from the file");
            return unsupported;
        }
        model->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        model->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        return ok;
    });
    if (status != ok) {
        destroy(model);
        return nullptr;
    }
    return model;
}

extern "C" void fer_onnx_close(fer_onnx_model *model) { destroy(model); }

extern "C" int fer_onnx_run(fer_onnx_model *model, const float *input, uint32_t batch, uint32_t channels, uint32_t height,
                            uint32_t width, float *output, size_t capacity, size_t *count, char *message, size_t message_capacity) {
    return guarded("unknown error running the ONNX model", message, message_capacity, [&]() -> int {
        if (!model || !input || !output || !count || batch == 0) {
            say(message, message_capacity, "bad arguments");
            return unsupported;
        }
        const int sizes[] = {static_cast<int>(batch), static_cast<int>(channels), static_cast<int>(height), static_cast<int>(width)};
        const cv::Mat blob(4, sizes, CV_32F, const_cast<float *>(input));
        model->net.setInput(blob);
        cv::Mat result = model->net.forward();
        if (result.depth() != CV_32F) result.convertTo(result, CV_32F);
        if (!result.isContinuous()) result = result.clone();
        *count = result.total();
        if (*count > capacity) {
            say(message, message_capacity, "the model's output is larger than expected for its classes");
            return unsupported;
        }
        std::memcpy(output, result.ptr<float>(), *count * sizeof(float));
        return ok;
    });
}
